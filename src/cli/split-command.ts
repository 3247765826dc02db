/**
 * `repowright split [path]`: the groups a working tree's changes would become, in stack order; with
 * `--create-prs`, the stack of draft pull requests on GitHub. Runs the prs toolset's tools in-process,
 * through the same pipeline as MCP calls.
 */
import type { Command } from "commander";
import { AppError, ERROR_CONTRACT } from "../core/errors.js";
import type { CliIo } from "./program.js";

type Obj = Record<string, unknown>;

export function registerSplitCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const out = (s: string): void => {
    io.stdout.write(`${s}\n`);
  };
  program
    .command("split")
    .description("Split a working tree's uncommitted changes into a stack of reviewable pull requests.")
    .argument("[path]", "a directory inside the git working tree", ".")
    .option("--max-groups <n>", "at most this many pull requests", (v) => Number.parseInt(v, 10), 6)
    .option("--create-prs", "create the branches and draft pull requests on GitHub")
    .option("--repo <owner/name>", "with --create-prs: the GitHub repository")
    .option("--base <branch>", "with --create-prs: the branch the stack goes on (at your HEAD)", "main")
    .option("--prefix <prefix>", "with --create-prs: branch name prefix", "split")
    .option("--json", "print the result as JSON")
    .action(
      async (
        path: string,
        opts: {
          maxGroups: number;
          createPrs?: boolean;
          repo?: string;
          base: string;
          prefix: string;
          json?: boolean;
        },
      ) => {
        if (!Number.isInteger(opts.maxGroups) || opts.maxGroups < 1 || opts.maxGroups > 20) {
          throw new AppError("bad_max_groups", `--max-groups must be 1-20, got ${opts.maxGroups}`);
        }
        let owner: string | undefined;
        let repo: string | undefined;
        if (opts.createPrs) {
          const m = /^([^/\s]+)\/([^/\s]+)$/.exec(opts.repo ?? "");
          if (!m) throw new AppError("bad_repo", "--create-prs needs --repo owner/name");
          [, owner, repo] = m;
        }
        const { createApp } = await import("../app.js");
        const app = await createApp({
          env: io.env,
          overrides: { server: { toolsets: ["prs"] } },
          extraRoots: [path],
        });
        try {
          const caller = { id: "cli", roles: ["admin"], transport: "in-process" as const };
          const progress = async (u: { progress: number; total?: number; message?: string }) => {
            io.stderr.write(`[${u.progress + 1}/${u.total ?? "?"}] ${u.message ?? ""}\n`);
          };
          const planned = await app.host.invoke(
            "plan_pr_split",
            { path, max_groups: opts.maxGroups },
            { caller },
          );
          if (!planned.ok) throw new AppError("split_failed", planned.error.error);
          const plan = planned.value as Obj;
          const groups = plan["groups"] as Obj[];
          if (!opts.createPrs) {
            if (opts.json) return out(JSON.stringify(plan, null, 2));
            if (groups.length === 0) return out(`no uncommitted changes in ${String(plan["root"])}`);
            out(
              `${String(plan["changed_files"])} changed files in ${String(plan["root"])} -> ${groups.length} pull requests, in merge order:\n`,
            );
            for (const g of groups) {
              const deps =
                (g["depends_on"] as number[]).length > 0
                  ? `  (builds on ${(g["depends_on"] as number[]).join(", ")})`
                  : "";
              out(
                `${String(g["index"])}. ${String(g["title"])}  +${String(g["added"])} -${String(g["deleted"])}${deps}`,
              );
              for (const f of g["files"] as Obj[])
                out(`     ${String(f["status"]).padEnd(8)} ${String(f["path"])}`);
            }
            out(
              "\nrepowright split --create-prs --repo owner/name makes them a stack of draft pull requests.",
            );
            return;
          }
          const created = await app.host.invoke(
            "create_pr_stack",
            { path, owner, repo, base: opts.base, prefix: opts.prefix, max_groups: opts.maxGroups },
            { caller, progress },
          );
          if (!created.ok) {
            io.stderr.write(`repowright: ${created.error.error}\n`);
            setExitCode(ERROR_CONTRACT[created.error.type].exit);
            return;
          }
          const result = created.value as Obj;
          if (opts.json) return out(JSON.stringify(result, null, 2));
          for (const pr of result["pull_requests"] as Obj[]) {
            out(
              `#${String(pr["number"])} ${String(pr["title"])}  ${String(pr["branch"])} -> ${String(pr["base"])}  ${String(pr["url"])}`,
            );
          }
        } finally {
          await app.close();
        }
      },
    );
}
