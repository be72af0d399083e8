/**
 * A string command runs under `/bin/sh -c`. Debian's /bin/sh (dash) does not
 * exec the last command of `-c` as bash does, so the shell would stay the
 * service's pid: a preset's signal to the master would reach the shell, which
 * dies of SIGQUIT and leaves the server running. When the string is one simple
 * command, denit prefixes `exec` so the program itself is the service's pid.
 *
 * @module
 */

/** First words after which `exec` would change the meaning or fail. */
const RESERVED = new Set([
  "if",
  "then",
  "else",
  "elif",
  "fi",
  "do",
  "done",
  "case",
  "esac",
  "while",
  "until",
  "for",
  "function",
  "!",
  "{",
  "}",
  "[[",
  "exec",
  // Shell builtins that are no program: `exec exit 3` would fail with 127.
  "exit",
  "return",
  "break",
  "continue",
  "cd",
  "export",
  "readonly",
  "local",
  "set",
  "unset",
  "shift",
  "trap",
  "wait",
  "eval",
  ".",
  ":",
  "source",
  "read",
  "ulimit",
  "umask",
  "alias",
  "unalias",
  "getopts",
  "hash",
  "type",
  "command",
  "jobs",
  "fg",
  "bg",
  "times",
]);

/** Whether `text` is one simple command: no `;`, `&`, `|`, newline or parenthesis outside quotes. */
export function isSimpleCommand(text: string): boolean {
  let quote: "'" | '"' | null = null;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (quote === "'") {
      if (char === "'") quote = null;
      continue;
    }
    if (char === "\\") {
      index++;
      continue;
    }
    if (quote === '"') {
      if (char === '"') quote = null;
      continue;
    }
    if (char === "'" || char === '"') {
      quote = char;
      continue;
    }
    if (";&|\n()".includes(char)) return false;
  }
  if (quote !== null) return false; // let the shell report it
  const first = text.trim().split(/\s+/)[0] ?? "";
  return first !== "" && !RESERVED.has(first) && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(first);
}

/** The argv that runs a string command. */
export function shellArgv(text: string): string[] {
  return ["/bin/sh", "-c", isSimpleCommand(text) ? `exec ${text.trim()}` : text];
}
