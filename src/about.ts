/**
 * Version, help and licence texts.
 *
 * @module
 */

import { VERSION } from "./version.ts";

/** `denit --help`: every line fits 80 columns. */
export const HELP_TEXT = `denit ${VERSION}: a container init (PID 1) with TypeScript plugins

Usage: denit [OPTIONS] [--] PROGRAM [ARGS...]

Starts PROGRAM, forwards signals to it, reaps every zombie and exits with
PROGRAM's exit code (128+N if a signal N killed it). Options end at the first
argument that is not an option.

Signals and processes:
  -c, --single-child          No new session; signals go to the child only
  -g, --process-group         Signal the child's process group (tini's -g;
                              already the default outside --compat tini)
  -r, --rewrite FROM:TO       Rewrite signal FROM to TO before forwarding:
                              TERM:QUIT, 15:3; TO 0 or drop drops it
  -s, --subreaper             Require becoming a child subreaper (automatic
                              when not PID 1; fails with 125 if impossible)
  -p, --parent-death-signal SIG
                              Signal denit gets when its parent dies
      --drain-timeout DUR     When the child exits and others remain: SIGTERM,
                              wait DUR, SIGKILL (default 3; 0 kills at once)
      --compat MODE           denit (default), tini or dumb-init behaviour
      --services FILE         Run the services of a TypeScript file in
                              dependency order; PROGRAM, if given, is main
Stop features (plugins):
      --preset NAME           nginx or php-fpm: graceful stop, safe signals;
                              TERM, INT and QUIT each start the stop
      --pre-stop CMD          Run CMD on the first stop signal, then forward
                              it; a JSON array of strings is argv, anything
                              else a /bin/sh -c command
      --pre-stop-timeout DUR  Longest wait for the pre-stop command (default 30)
      --stop-signal SIG[,SIG] Signals that start a stop (repeatable; default
                              TERM, or the preset's)
      --stop-timeout DUR      SIGKILL everything DUR after the stop signal was
                              forwarded (keep it below the runtime's grace)
  -e, --remap-exit CODE       Report exit code CODE as 0 (repeatable)
      --plugin PATH[={JSON}]  Load a TypeScript plugin (repeatable); a JSON
                              object after = goes to the module's factory
Logging:
  -v, --verbose               More logging (repeatable: info, debug, trace)
      --verbosity N           0 error, 1 warn (default), 2 info, 3 debug,
                              4 trace
      --log-format FORMAT     text (default) or json (one event per line,
                              info level)
  -w, --warn-on-reap          Log every reaped zombie
Other:
  -h, --help                  Show this help
  -V, --version               Show the version (and Deno's)
  -l, --license               Show the licence

Durations (DUR) are seconds (3, 0.5) or carry a unit: 500ms, 2s, 1m; at most
24 hours. Signals (SIG) are names with or without SIG (TERM, SIGRTMIN+3) or
numbers.

Every option has an environment twin: DENIT_SINGLE_CHILD, DENIT_PROCESS_GROUP,
DENIT_REWRITE (comma-separated), DENIT_SUBREAPER, DENIT_PARENT_DEATH_SIGNAL,
DENIT_DRAIN_TIMEOUT, DENIT_COMPAT, DENIT_PRESET, DENIT_PRE_STOP,
DENIT_PRE_STOP_TIMEOUT, DENIT_STOP_SIGNAL, DENIT_STOP_TIMEOUT, DENIT_REMAP_EXIT,
DENIT_PLUGIN (colon-separated, no options), DENIT_VERBOSITY, DENIT_LOG_FORMAT,
DENIT_WARN_ON_REAP. TINI_SUBREAPER, TINI_KILL_PROCESS_GROUP, TINI_VERBOSITY,
DUMB_INIT_SETSID and DUMB_INIT_DEBUG are honoured. Flags win.

Exit codes: the child's code; 128+N when signal N killed it; 125 bad usage or
set-up failure; 126 program not executable; 127 program not found.
`;

/** `denit --license`. */
export const LICENSE_TEXT = `MIT License

Copyright (c) 2026 the denit authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`;
