/**
 * Gold patches: real bug fixes from public repositories' histories (bench/data/gold-patches.json) pushed
 * through the whole resolver. The parent commit is the repository in the GitHub emulator, the issue says
 * what the bug is, and a scripted model applies the real fix's diff with apply_patch, runs the tests and
 * finishes: every gate must pass and a draft PR must appear. This is how the pipeline is tested without
 * a frontier model: if a known-good fix does not get through, the pipeline is wrong.
 *
 * The committed reconstruction (test/resolver/gold/inflection-titleize, a few KB with its provenance and
 * licence) runs every time. The full repositories run when REPOWRIGHT_GOLD_REPOS names a folder of bare
 * clones (<owner>+<name>/repo as the search tool's fetch leaves them, <owner>/<name>.git or <name>.git).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STATUS_MARKER } from "../../src/agents/resolver/report.js";
import type { RunRecord } from "../../src/agents/resolver/run.js";
import { calls, type ResolverBed, sandboxLevelFor, startResolverBed } from "./bed.js";

type Obj = Record<string, unknown>;

interface GoldPatch {
  repo: string;
  licence: string;
  fix: string;
  parent: string;
  title: string;
  body: string;
  test: string;
  fixture?: string;
}

const ROOT = join(__dirname, "../..");
const PATCHES = (
  JSON.parse(readFileSync(join(ROOT, "bench/data/gold-patches.json"), "utf8")) as { patches: GoldPatch[] }
).patches;
const GOLD_REPOS = process.env["REPOWRIGHT_GOLD_REPOS"];
// The gold patches so far are Python projects: pytest must run in the sandbox (at the process level
// when bubblewrap hides a python3 installed under a home directory).
const level = await sandboxLevelFor(["python3", "-m", "pytest", "--version"]);

/** The bare clone of `owner/name` under the gold folder, if it is there. */
function goldRepo(repo: string): string | undefined {
  if (!GOLD_REPOS) return undefined;
  const [owner, name] = repo.split("/") as [string, string];
  return [join(`${owner}+${name}`, "repo"), join(owner, `${name}.git`), `${name}.git`]
    .map((p) => join(GOLD_REPOS, p))
    .find((p) => existsSync(join(p, "HEAD")));
}

function filesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(dir, full)] = readFileSync(full, "utf8");
    }
  };
  walk(dir);
  return out;
}

const bareGit = (gitDir: string, ...args: string[]) =>
  execFileSync("git", [`--git-dir=${gitDir}`, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });

describe.skipIf(level === undefined)(
  "gold patches through the resolver (python3 -m pytest runs here)",
  () => {
    let bed: ResolverBed;
    beforeAll(async () => {
      bed = await startResolverBed(
        { users: [{ login: "acme" }], tokens: { "resolver-token": "acme" } },
        { REPOWRIGHT_SANDBOX: level ?? "auto" },
      );
    });
    afterAll(async () => {
      await bed?.close();
    });

    /** Seeds the repository, files the issue, runs the resolver with the fix as the model's one edit. */
    async function resolveGold(gold: GoldPatch, name: string, fixDiff: string): Promise<RunRecord> {
      const issue = Number(
        (
          (
            await bed.app.call("create_issue", {
              owner: "acme",
              repo: name,
              title: gold.title,
              body: gold.body,
            })
          ).data as Obj
        )["number"],
      );
      const record = await bed.run({ owner: "acme", repo: name, issue }, [
        calls({ name: "apply_patch", input: { patch: fixDiff } }),
        calls({ name: "run_tests", input: {} }),
        calls({
          name: "finish",
          input: { summary: `The fix of ${gold.repo}@${gold.fix.slice(0, 7)}`, root_cause: gold.title },
        }),
      ]);
      const why = JSON.stringify({ outcome: record.outcome, gates: record.gates, tests: record.tests });
      expect(record.outcome, why).toMatchObject({ kind: "pr_opened", branch: `repowright/issue-${issue}` });
      expect(record.gates?.filter((g) => !g.ok)).toEqual([]);
      expect(record.gates?.find((g) => g.gate === "added_tests_prove_the_fix")).toMatchObject({ ok: true });
      expect(record.evidence?.fixed.length).toBeGreaterThan(0);
      const [pr] = await bed.pulls("acme", name, issue);
      expect(pr).toMatchObject({ draft: true });
      const status = await bed.comments("acme", name, issue);
      expect(status).toHaveLength(1);
      expect(status[0]?.startsWith(STATUS_MARKER)).toBe(true);
      expect(status[0]).toContain("Final state: pull request opened");
      return record;
    }

    const fixtures = PATCHES.filter((p) => p.fixture);
    it.each(fixtures)(
      "the committed reconstruction of $repo@$fix gets its real fix through every gate",
      async (gold) => {
        const dir = join(ROOT, gold.fixture as string);
        const name = `gold-${gold.fix.slice(0, 7)}`;
        await bed.gh.seed({ repos: [{ owner: "acme", name, files: filesUnder(join(dir, "repo")) }] });
        const diff = readFileSync(join(dir, "fix.diff"), "utf8");
        const record = await resolveGold(gold, name, diff);
        // The branch holds the fix's lines, in the files the fix changed and no others.
        const branch = `refs/heads/${(record.outcome as { branch: string }).branch}`;
        expect(
          bed.git("acme", name, "diff", "--name-only", "refs/heads/main", branch).split("\n").sort(),
        ).toEqual([...diff.matchAll(/^\+\+\+ b\/(.+)$/gm)].map((m) => m[1]).sort());
        for (const line of diff.split("\n").filter((l) => l.startsWith("+") && !l.startsWith("+++")))
          expect(bed.git("acme", name, "diff", "refs/heads/main", branch)).toContain(line);
      },
      180_000,
    );

    describe.each(PATCHES)("$repo@$fix from its own history", (gold) => {
      const gitDir = goldRepo(gold.repo);
      it.skipIf(gitDir === undefined)(
        `gets the real fix through every gate${
          gitDir
            ? ""
            : ` (skipped: set REPOWRIGHT_GOLD_REPOS to a folder holding a bare clone of ${gold.repo})`
        }`,
        async () => {
          const name = `${gold.repo.split("/")[1]}-${gold.fix.slice(0, 7)}`;
          await bed.gh.seed({ repos: [{ owner: "acme", name }] });
          // The parent commit, with its real history, becomes the emulator's default branch.
          bareGit(
            bed.gh.gitDir("acme", name),
            "fetch",
            "--quiet",
            "--no-tags",
            gitDir as string,
            `+${gold.parent}:refs/heads/main`,
          );
          const record = await resolveGold(
            gold,
            name,
            bareGit(gitDir as string, "diff", gold.parent, gold.fix),
          );
          expect(record.base?.sha).toBe(gold.parent);
          // The branch's tree is the fix commit's tree.
          const branch = `refs/heads/${(record.outcome as { branch: string }).branch}`;
          expect(bed.git("acme", name, "rev-parse", `${branch}^{tree}`)).toBe(
            bareGit(gitDir as string, "rev-parse", `${gold.fix}^{tree}`).trim(),
          );
        },
        300_000,
      );
    });
  },
);
