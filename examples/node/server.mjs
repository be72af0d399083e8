// A minimal server that stops gracefully on SIGTERM.
import { createServer } from "node:http";

const server = createServer((_request, response) => response.end("hello\n"));
server.listen(Number(process.env.PORT ?? 8080));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
