/**
 * Files: temporary directories removed with the scope, and copying a tree of
 * sources readable by every uid.
 *
 * @module
 */

/** A temporary directory removed by `await using`. */
export async function tempDir(prefix = "denit-test-"): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true });
    },
  };
}

/** Copy a directory tree, directories 0755 and files 0644 (readable by any uid). */
export async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true, mode: 0o755 });
  await Deno.chmod(to, 0o755);
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory) await copyTree(`${from}/${entry.name}`, `${to}/${entry.name}`);
    else if (entry.isFile) {
      await Deno.copyFile(`${from}/${entry.name}`, `${to}/${entry.name}`);
      await Deno.chmod(`${to}/${entry.name}`, 0o644);
    }
  }
}
