<?php
echo "Hello from php-fpm ", PHP_VERSION, " behind nginx, under denit\n";
