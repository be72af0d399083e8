/**
 * Project lint rules that keep PID 1 safe, enforced by `deno lint`:
 * - `denit/no-child-process`: inside denit (src/, plugins/) every process goes
 *   through denit's own spawner; `Deno.Command`, `Deno.run` and
 *   `node:child_process` would race the reaper for their exit statuses.
 * - `denit/no-signal-listener`: Deno's signal listeners are unsafe for PID 1;
 *   only the documented fallback in src/signal_source.ts may use them.
 *
 * @module
 */

const INIT_CODE = /\/(src|plugins)\//;

function insideInit(filename: string): boolean {
  return INIT_CODE.test(filename);
}

const plugin: Deno.lint.Plugin = {
  name: "denit",
  rules: {
    "no-child-process": {
      create(context) {
        if (!insideInit(context.filename)) return {};
        return {
          'MemberExpression[object.name="Deno"][property.name=/^(Command|run)$/]'(
            node: Deno.lint.MemberExpression,
          ) {
            context.report({
              node,
              message: "Start processes through denit's spawner (ctx.run in plugins)",
              hint: "Deno.Command races denit's waitpid(-1) reaper for the exit status",
            });
          },
          "ImportDeclaration[source.value=/child_process/]"(node: Deno.lint.ImportDeclaration) {
            context.report({ node, message: "node:child_process races denit's reaper" });
          },
        };
      },
    },
    "no-signal-listener": {
      create(context) {
        if (!insideInit(context.filename) || context.filename.endsWith("/signal_source.ts")) {
          return {};
        }
        return {
          'MemberExpression[object.name="Deno"][property.name="addSignalListener"]'(
            node: Deno.lint.MemberExpression,
          ) {
            context.report({
              node,
              message: "Signals reach denit through its signalfd, never Deno's listeners",
            });
          },
        };
      },
    },
  },
};

export default plugin;
