/**
 * The inits under comparison, each as the argv that precedes the child.
 *
 * @module
 */

import { BENCH, BUILD, REPO } from "./build.ts";

/** One init: a name and the argv placed before the child's argv. */
export interface Init {
  name: string;
  argv: string[];
}

const DENO = Deno.execPath();
const PLUGINS = ["rewrite", "noop", "logger"].flatMap((
  p,
) => ["--plugin", `${BENCH}/plugins/${p}.ts`]);

/** The inits of one run; the C inits only when installed. */
export function inits(): Init[] {
  const list: Init[] = [];
  for (
    const [name, path, args] of [
      ["tini", "/usr/bin/tini", ["--"]],
      ["dumb-init", "/usr/bin/dumb-init", []],
      ["catatonit", "/usr/bin/catatonit", ["--"]],
    ] as const
  ) {
    try {
      Deno.statSync(path);
      list.push({ name, argv: [path, ...args] });
    } catch {
      // deno-lint-ignore no-console -- the benchmark reports on the terminal
      console.error(`bench: ${name} is not installed (apt-get install ${name}); skipped`);
    }
  }
  list.push(
    {
      name: "floor-1stage",
      argv: [DENO, "run", "-A", "--no-lock", `${BENCH}/floors/one_stage.ts`],
    },
    {
      name: "floor-2stage",
      argv: [DENO, "run", "-A", "--no-lock", `${BENCH}/floors/two_stage.ts`],
    },
    { name: "denit", argv: [DENO, "run", "-A", "--no-lock", `${REPO}/mod.ts`, "--"] },
    {
      name: "denit-bundle",
      argv: [DENO, "run", "-A", "--no-config", "--no-lock", `${BUILD}/denit.js`, "--"],
    },
    {
      name: "denit+plugins",
      argv: [DENO, "run", "-A", "--no-lock", `${REPO}/mod.ts`, ...PLUGINS, "--"],
    },
  );
  return list;
}
