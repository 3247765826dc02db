/**
 * The localization benchmark's tooling: scripts/build-locset.ts checks a set against a real git repository
 * and materialises history-free checkouts, and bench/localization.ts scores rankings (Acc@k, MRR).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCALIZATION_SETS, readInstances, score } from "../../bench/localization.js";

const root = resolve(import.meta.dirname, "../..");
let dir: string;
let gitDir: string;
let base: string;
let fix: string;

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@t",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@t",
    },
  }).trim();
}

function build(set: object[], out: string, ...flags: string[]) {
  const file = join(dir, `set-${Math.random().toString(36).slice(2)}.jsonl`);
  writeFileSync(file, set.map((s) => JSON.stringify(s)).join("\n"));
  return spawnSync("npx", ["tsx", "scripts/build-locset.ts", file, out, `acme/widget=${gitDir}`, ...flags], {
    cwd: root,
    encoding: "utf8",
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rw-locset-"));
  const work = join(dir, "work");
  mkdirSync(join(work, "lib"), { recursive: true });
  git(work, "init", "-q");
  writeFileSync(join(work, "lib", "parse.js"), "export const parse = (s) => s.split(',');\n");
  writeFileSync(join(work, "lib", "other.js"), "export const other = 1;\n");
  git(work, "add", ".");
  git(work, "commit", "-qm", "base");
  base = git(work, "rev-parse", "HEAD");
  writeFileSync(
    join(work, "lib", "parse.js"),
    "export const parse = (s) => s.split(',').map((x) => x.trim());\n",
  );
  git(work, "commit", "-qam", "Fix: parse trims (fixes #1)");
  fix = git(work, "rev-parse", "HEAD");
  gitDir = join(dir, "widget.git");
  git(dir, "clone", "-q", "--bare", work, gitDir);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("scripts/build-locset.ts", () => {
  it("writes a checkout of the base commit without history for a sound instance", () => {
    const out = join(dir, "out-sound");
    const inst = {
      instance_id: "acme__widget-1",
      repo: "acme/widget",
      base_commit: base,
      files_changed: ["lib/parse.js"],
      fix_commit: fix,
    };
    const r = build([inst], out);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("1 instances, 1 sound, 1 checkouts made");
    const checkout = join(out, "acme__widget-1");
    expect(readFileSync(join(checkout, "lib", "parse.js"), "utf8")).toBe(
      "export const parse = (s) => s.split(',');\n",
    );
    expect(existsSync(join(checkout, ".git"))).toBe(false);
  });

  it("reports an instance whose fix does not change a listed file, or whose file is missing at the base", () => {
    const out = join(dir, "out-bad");
    const wrongFile = {
      instance_id: "acme__widget-2",
      repo: "acme/widget",
      base_commit: base,
      files_changed: ["lib/other.js"],
      fix_commit: fix,
    };
    const missing = {
      instance_id: "acme__widget-3",
      repo: "acme/widget",
      base_commit: base,
      files_changed: ["lib/gone.js"],
    };
    const wrongBase = {
      instance_id: "acme__widget-4",
      repo: "acme/widget",
      base_commit: fix,
      files_changed: ["lib/parse.js"],
      fix_commit: fix,
    };
    const r = build([wrongFile, missing, wrongBase], out);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("acme__widget-2: the fix does not change lib/other.js");
    expect(r.stderr).toContain("acme__widget-3: lib/gone.js does not exist at the base");
    expect(r.stderr).toContain("acme__widget-4: the fix's parent is");
    expect(existsSync(join(out, "acme__widget-2"))).toBe(false);
  });

  it("--check checks without writing checkouts", () => {
    const out = join(dir, "out-check");
    const inst = {
      instance_id: "acme__widget-5",
      repo: "acme/widget",
      base_commit: base,
      files_changed: ["lib/parse.js"],
      fix_commit: fix,
    };
    const r = build([inst], out, "--check");
    expect(r.status).toBe(0);
    expect(existsSync(out)).toBe(false);
  });
});

describe("bench/localization.ts", () => {
  it("scores Acc@k as every changed file within the top k and MRR on the first changed file", () => {
    const s = score(
      [
        ["a.js", "b.js"],
        ["x.js", "y.js", "z.js", "q.js", "r.js", "b.js"],
      ],
      [["a.js"], ["b.js", "y.js"]],
    );
    expect(s.acc1).toBe(50);
    expect(s.acc5).toBe(50);
    expect(s.acc10).toBe(100);
    expect(s.mrr).toBeCloseTo((1 + 1 / 2) / 2);
  });

  it("ships every set's data with instances that name their changed files", () => {
    for (const set of LOCALIZATION_SETS) {
      const instances = readInstances(set.file);
      expect(instances.length).toBeGreaterThan(0);
      for (const inst of instances) expect(inst.files_changed.length).toBeGreaterThan(0);
    }
  });

  it("registers Go, Java and TypeScript sets beside the Python and JavaScript ones, each with its own variable", () => {
    const envs = LOCALIZATION_SETS.map((s) => s.env);
    expect(envs).toEqual(
      expect.arrayContaining(["REPOWRIGHT_LOCSET_GO", "REPOWRIGHT_LOCSET_JAVA", "REPOWRIGHT_LOCSET_TS"]),
    );
    expect(new Set(envs).size).toBe(envs.length);
    const repos = (env: string) =>
      new Set(readInstances(LOCALIZATION_SETS.find((s) => s.env === env)!.file).map((i) => i.repo));
    expect([...repos("REPOWRIGHT_LOCSET_GO")]).toEqual(["spf13/cobra"]);
    expect([...repos("REPOWRIGHT_LOCSET_JAVA")]).toEqual(["FasterXML/jackson-databind"]);
    expect([...repos("REPOWRIGHT_LOCSET_TS")]).toEqual(["microsoft/vscode-languageserver-node"]);
  });

  it("keeps out of the TypeScript set any issue whose text gives the path of a file its fix changed", () => {
    const set = LOCALIZATION_SETS.find((s) => s.env === "REPOWRIGHT_LOCSET_TS")!;
    const instances = readInstances(set.file);
    expect(instances.length).toBeGreaterThanOrEqual(15);
    for (const inst of instances) {
      for (const f of inst.files_changed) {
        expect(f).toMatch(/\.ts$/);
        expect(inst.problem_statement).not.toContain(f);
      }
    }
  });

  it("gives every instance of a set with provenance its issue, fix commit and non-test source files", () => {
    const sha = /^[0-9a-f]{40}$/;
    for (const set of LOCALIZATION_SETS) {
      const instances = readInstances(set.file);
      if (!instances.some((i) => i.fix_commit)) continue;
      expect(new Set(instances.map((i) => i.instance_id)).size).toBe(instances.length);
      for (const inst of instances) {
        const n = inst.instance_id.slice(inst.instance_id.lastIndexOf("-") + 1);
        expect(inst.instance_id).toBe(`${inst.repo.replace("/", "__")}-${n}`);
        expect(inst.issue_url).toBe(`https://github.com/${inst.repo}/issues/${n}`);
        expect(inst.base_commit).toMatch(sha);
        expect(inst.fix_commit).toMatch(sha);
        expect(inst.fix_commit).not.toBe(inst.base_commit);
        expect(typeof inst.text_cut).toBe("boolean");
        expect(inst.problem_statement.length).toBeGreaterThan(20);
        for (const f of inst.files_changed)
          expect(f).not.toMatch(
            /(_test\.go|Test\.java|\.test\.[jt]s)$|(^|\/)tests?\/|^(testbed|client-node-tests)\//,
          );
      }
      const doc = readFileSync(set.file.replace(/\.jsonl$/, ".md"), "utf8");
      for (const inst of instances) expect(doc).toContain(inst.issue_url);
    }
  });
});
