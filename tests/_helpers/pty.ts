/**
 * Terminals: run a command as the session leader of a fresh pseudo-terminal
 * and read what it printed there.
 *
 * @module
 */

/** Quote one argument for /bin/sh. */
function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * Run `argv` as the session leader of a fresh pseudo-terminal (util-linux `script`),
 * with no input; returns what was printed on the terminal, without carriage returns.
 */
export async function underPty(argv: readonly string[], timeoutMs = 20_000): Promise<string> {
  // `script` runs `$SHELL -c`: pin the shell, and `exec` so argv itself leads the session
  // (bash execs a lone command, dash does not).
  const output = await new Deno.Command("script", {
    args: ["-qec", `exec ${argv.map(shellQuote).join(" ")}`, "/dev/null"],
    env: { SHELL: "/bin/sh" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  }).output();
  return new TextDecoder().decode(output.stdout).replaceAll("\r", "");
}
