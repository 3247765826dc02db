/**
 * The CI doctor's test bed: the GitHub emulator with a CI runner that really runs each job's check (Biome,
 * npm) on the run's commit, so every log is real tool output and a re-run's outcome follows the pushed
 * tree; and a host serving the github and ci toolsets against it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { CiRunner, RunOutcome, Seed } from "../../src/emulators/github/server.js";
import { type GithubTestBed, startGithubTestBed } from "../github/helpers.js";

/** The Biome of this repository (the runner's toolchain, as a CI image has its tools). */
export const BIN = resolve("node_modules/.bin");
const BIOME = join(BIN, "biome");

/** Job name -> the command the job runs in the run's tree (argv). */
export type JobCommands = Record<string, string[]>;

/** A runner like a CI service: extract the commit, run each job's command, its output is the job's log. */
export function checkRunner(jobs: JobCommands): CiRunner {
  return (q) => {
    const dir = mkdtempSync(join(tmpdir(), "ci-run-"));
    try {
      const tar = execFileSync("git", [`--git-dir=${q.gitDir}`, "archive", q.run.head_sha]);
      execFileSync("tar", ["-x", "-C", dir], { input: tar });
      const outcome: RunOutcome = { conclusion: "success", jobs: {} };
      for (const name of q.jobs) {
        const argv = jobs[name];
        if (!argv) continue;
        const r = spawnSync(argv[0]!, argv.slice(1), {
          cwd: dir,
          encoding: "utf8",
          env: {
            PATH: process.env["PATH"] ?? "/usr/bin:/bin",
            HOME: dir,
            npm_config_cache: join(dir, ".npm"),
          },
        });
        const code = r.status ?? 1;
        const log = `${r.stdout}${r.stderr}${code === 0 ? "" : `##[error]Process completed with exit code ${code}.\n`}`;
        outcome.jobs![name] = { conclusion: code === 0 ? "success" : "failure", log };
        if (code !== 0) outcome.conclusion = "failure";
      }
      return outcome;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

export const FORMAT_JOB = [BIOME, "format", "."];
export const NPM_CI_JOB = ["npm", "ci", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"];

/**
 * A package whose package-lock.json predates its left-pad dependency (a local `file:` package, so npm
 * works offline), and a badly formatted source file: `npm ci` and `biome format` both fail for real.
 */
export function appFiles(extra: Record<string, string> = {}): Record<string, string> {
  return {
    "package.json": `${JSON.stringify(
      { name: "app", version: "1.0.0", private: true, dependencies: { "left-pad": "file:vendor/left-pad" } },
      null,
      2,
    )}\n`,
    "package-lock.json": `${JSON.stringify(
      {
        name: "app",
        version: "1.0.0",
        lockfileVersion: 3,
        requires: true,
        packages: { "": { name: "app", version: "1.0.0" } },
      },
      null,
      2,
    )}\n`,
    "vendor/left-pad/package.json": '{ "name": "left-pad", "version": "1.0.0", "main": "index.js" }\n',
    "vendor/left-pad/index.js": "module.exports = (s) => s;\n",
    "biome.json": '{ "files": { "includes": ["src/**"] } }\n',
    "src/index.js": "const  a = {b:1}\nexport default a\n",
    ".gitignore": "node_modules/\n",
    ".github/workflows/ci.yml":
      "name: CI\non: [push, workflow_dispatch]\njobs:\n  format:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npx biome format .\n  deps:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm ci\n",
    ...extra,
  };
}

export function repoSeed(name: string, files: Record<string, string>, jobs: string[]): Seed {
  return {
    repos: [
      {
        owner: "acme",
        name,
        files,
        workflows: [{ name: "CI", path: ".github/workflows/ci.yml", on: ["push"], jobs }],
      },
    ],
  };
}

export async function startRepairBed(seed: Seed, jobs: JobCommands, env: Record<string, string> = {}) {
  const bed: GithubTestBed = await startGithubTestBed(
    seed,
    {
      REPOWRIGHT_TOOLSETS: "github,ci",
      REPOWRIGHT_CI_POLL_S: "1",
      REPOWRIGHT_CI_TRIGGER_WAIT_S: "5",
      ...env,
    },
    { runner: checkRunner(jobs) },
  );
  return bed;
}

type Obj = Record<string, unknown>;

/** Starts the workflow on a branch (as a person pressing "Run workflow") and waits for it to finish. */
export async function dispatchAndWait(bed: GithubTestBed, repo: string, ref = "main"): Promise<Obj> {
  const before = new Set(bed.emu.state.repo("acme", repo)!.runs.map((r) => r.id));
  const d = await bed.app.call("run_workflow", { owner: "acme", repo, workflow_id: "ci.yml", ref });
  if (d.isError) throw new Error(JSON.stringify(d.data));
  for (let i = 0; i < 600; i++) {
    const run = bed.emu.state.repo("acme", repo)!.runs.find((r) => !before.has(r.id));
    if (run?.status === "completed") return run as unknown as Obj;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the dispatched run did not finish");
}
