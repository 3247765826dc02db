/**
 * The issue resolver end to end, on loopback only: the GitHub emulator holds a small real repository
 * (node:test) with a failing test and an issue; the scripted model emulator drives the real Anthropic SDK
 * client through the run. A draft PR appears only when the gates pass; every negative control ends with
 * no PR and a status comment that says why.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import type { RunRecord } from "../../src/agents/resolver/run.js";
import { RESOLVE_JOB, resolverSubscriber } from "../../src/agents/resolver/trigger.js";
import type { LlmEmulator } from "../../src/emulators/llm/server.js";
import type { TestApp } from "../helpers/app.js";
import { runCliCaptured } from "../helpers/cli.js";
import { calls, type ResolverBed, type Steps, startResolverBed } from "./bed.js";
import { ADD_FIXED, SEED } from "./fixture.js";

type Obj = Record<string, unknown>;

const write = (path: string, content: string) => calls({ name: "write_file", input: { path, content } });
const finish = calls({
  name: "finish",
  input: { summary: "add() adds", root_cause: "it used - instead of +" },
});
const runTests = calls({ name: "run_tests", input: {} });

describe("the issue resolver", () => {
  let bed: ResolverBed;
  let llm: LlmEmulator;
  let app: TestApp;
  let issue = 0;
  let env: Record<string, string>;

  beforeAll(async () => {
    bed = await startResolverBed(SEED, {
      REPOWRIGHT_SANDBOX_TIMEOUT_S: "60",
      REPOWRIGHT_RESOLVER_EXPLORE_TURNS: "4",
    });
    ({ llm, app, env } = bed);
  });
  afterAll(async () => {
    await bed?.close();
  });

  /** A fresh issue for each run, so branches and comments do not mix. */
  beforeEach(async () => {
    const made = await app.call("create_issue", {
      owner: "acme",
      repo: "calc",
      title: "add() subtracts",
      body: "add(2, 3) returns -1, not 5.",
    });
    issue = Number((made.data as Obj)["number"]);
  });

  const run = (steps: Steps) => bed.run({ owner: "acme", repo: "calc", issue }, steps);
  const comments = () => bed.comments("acme", "calc", issue);
  const pulls = () => bed.pulls("acme", "calc", issue);
  const git = (...args: string[]) => bed.git("acme", "calc", ...args);
  const noPr = async (record: RunRecord, reason: RegExp) => {
    expect(record.outcome).toMatchObject({ kind: "no_pr" });
    expect((record.outcome as { reason: string }).reason).toMatch(reason);
    expect(await pulls()).toEqual([]);
    const status = await comments();
    expect(status).toHaveLength(1);
    expect(status[0]).toContain("Final state: no pull request");
    return status[0] as string;
  };

  it("opens a draft PR whose one commit makes the failing test pass and breaks none, with the evidence", async () => {
    const record = await run([
      calls({ name: "read_file", input: { path: "src/add.js" } }),
      write("src/add.js", ADD_FIXED),
      runTests,
      finish,
    ]);
    expect(record.outcome, JSON.stringify(record.phases)).toMatchObject({
      kind: "pr_opened",
      branch: `repowright/issue-${issue}`,
    });
    expect(record.evidence?.fixed.some((t) => t.includes("adds two numbers"))).toBe(true);
    expect(record.evidence?.broken).toEqual([]);
    expect(record.gates?.every((g) => g.ok)).toBe(true);
    // One commit on the branch, whose tree has the fix and nothing else.
    const branch = `refs/heads/repowright/issue-${issue}`;
    expect(git("rev-list", "--count", `refs/heads/main..${branch}`)).toBe("1");
    expect(git("show", `${branch}:src/add.js`)).toBe(ADD_FIXED.trim());
    expect(git("diff", "--name-only", "refs/heads/main", branch)).toBe("src/add.js");
    const pr = (
      await app.call("get_pull_request", {
        owner: "acme",
        repo: "calc",
        pull_number: (record.outcome as { pr: number }).pr,
      })
    ).data as Obj;
    expect(pr).toMatchObject({ draft: true });
    expect(String(pr["body"])).toContain("Fails on the base and passes now");
    expect(String(pr["body"])).toContain("adds two numbers");
    const status = await comments();
    expect(status).toHaveLength(1);
    expect(status[0]).toContain("Final state: pull request opened");
    expect(status[0]).toContain((record.outcome as { url: string }).url);
    // The run is on record, readable by id.
    const viaTool = await app.call("get_agent_run", { run_id: record.id });
    expect(viaTool.data).toMatchObject({
      id: record.id,
      outcome: { kind: "pr_opened" },
      gates: expect.any(Array),
    });
  }, 60_000);

  it("updates the same branch and pull request when run again on the issue", async () => {
    const fix = [write("src/add.js", ADD_FIXED), runTests, finish];
    const first = await run(fix);
    expect(first.outcome).toMatchObject({ kind: "pr_opened", updated: false });
    const second = await run(fix);
    expect(second.outcome, JSON.stringify(second.outcome)).toMatchObject({
      kind: "pr_opened",
      updated: true,
      pr: (first.outcome as { pr: number }).pr,
    });
    // The same tree is not pushed twice: still one commit, one PR, one status comment.
    expect(git("rev-list", "--count", `refs/heads/main..refs/heads/repowright/issue-${issue}`)).toBe("1");
    expect(await comments()).toHaveLength(1);
  }, 60_000);

  it("proves a test the run adds by running it on the base without the fix", async () => {
    const added =
      'import { test } from "node:test";\nimport assert from "node:assert/strict";\nimport { add } from "../src/add.js";\n\ntest("adds negatives", () => {\n  assert.equal(add(-2, -3), -5);\n});\n';
    const vacuous =
      'import { test } from "node:test";\nimport assert from "node:assert/strict";\n\ntest("always passes", () => {\n  assert.equal(1, 1);\n});\n';
    const proven = await run([
      write("src/add.js", ADD_FIXED),
      write("test/negatives.test.js", added),
      finish,
    ]);
    expect(proven.outcome).toMatchObject({ kind: "pr_opened" });
    const gate = proven.gates?.find((g) => g.gate === "added_tests_prove_the_fix");
    expect(gate).toMatchObject({ ok: true });
    expect(gate?.detail).toContain("adds negatives");

    issue = Number(
      ((await app.call("create_issue", { owner: "acme", repo: "calc", title: "again" })).data as Obj)[
        "number"
      ],
    );
    const why = await noPr(
      await run([write("src/add.js", ADD_FIXED), write("test/vacuous.test.js", vacuous), finish]),
      /^gate:/,
    );
    expect(why).toContain("always passes");
  }, 90_000);

  it("opens nothing for an empty change", async () => {
    const why = await noPr(await run([finish]), /^gate:/);
    expect(why).toContain("the change is empty");
  }, 60_000);

  it("opens nothing for a change that fixes the test but breaks another", async () => {
    const why = await noPr(
      await run([
        write("src/add.js", ADD_FIXED),
        write("src/sub.js", "export function sub(a, b) {\n  return a + b;\n}\n"),
        finish,
      ]),
      /^gate:/,
    );
    expect(why).toContain("no_regressions");
    expect(why).toContain("subtracts two numbers");
  }, 60_000);

  it("opens nothing for a change that adds a secret", async () => {
    const key = ["AKIA", "Z7Q3M9T2K8V4W6XP"].join("");
    const why = await noPr(
      await run([
        write("src/add.js", ADD_FIXED),
        write(
          "src/config.js",
          `export const aws = { accessKeyId: "${key}", secretAccessKey: "wJalrXUtnFEMIK7MDENGbPxRfiCYzQ3k9Lm2Xv8T" };\n`,
        ),
        finish,
      ]),
      /^gate:/,
    );
    expect(why).toContain("no_secrets");
    expect(why).not.toContain(key);
  }, 60_000);

  it("refuses an edit outside the repository or through a symlink, and opens nothing", async () => {
    const outside = mkdtempSync(join(tmpdir(), "rw-outside-"));
    try {
      const record = await run([
        write("../outside.txt", "escaped"),
        write(join(outside, "abs.txt"), "escaped"),
        calls({
          name: "apply_patch",
          input: {
            patch:
              "diff --git a/link b/link\nnew file mode 120000\n--- /dev/null\n+++ b/link\n@@ -0,0 +1 @@\n+/etc\n\\ No newline at end of file\n",
          },
        }),
        write("link/passwd", "escaped"),
        finish,
      ]);
      expect(existsSync(join(outside, "abs.txt"))).toBe(false);
      const why = await noPr(record, /^gate:/);
      expect(why).toMatch(/no_symlink_out|the change is empty/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  }, 60_000);

  it("opens nothing for an edit under .github/workflows", async () => {
    const why = await noPr(
      await run([write("src/add.js", ADD_FIXED), write(".github/workflows/ci.yml", "on: push\n"), finish]),
      /^gate:/,
    );
    expect(why).toContain("no_workflow_edits");
  }, 60_000);

  it("gives the model the issues and pull requests the thread links to, as data", async () => {
    const context = await app.call("create_issue", {
      owner: "acme",
      repo: "calc",
      title: "Sign handling in add()",
      body: "The operator in src/add.js was flipped when the file was reformatted.",
    });
    const linked = Number((context.data as Obj)["number"]);
    await app.call("add_issue_comment", {
      owner: "acme",
      repo: "calc",
      issue_number: issue,
      body: `Probably the same cause as #${linked}.`,
    });
    const before = llm.requests.length;
    const record = await run([finish]);
    const gather = record.phases.find((p) => p.name === "gather");
    expect(gather?.detail).toContain("1 linked issues/PRs");
    const prompt = JSON.stringify(llm.requests[before]?.body);
    expect(prompt).toContain(`linked issue acme/calc#${linked} (open): Sign handling in add()`);
    expect(prompt).toContain("was flipped when the file was reformatted");
  }, 60_000);

  it("stops a model that reads and searches but never edits", async () => {
    const look = calls({ name: "read_file", input: { path: "src/add.js" } });
    const why = await noPr(await run([look, look, look, look, look, look]), /^stalled$/);
    expect(why).toContain("no file was edited in 4 turns");
  }, 60_000);

  it("stops a model that repeats the same edit", async () => {
    const same = write("src/add.js", "export function add(a, b) {\n  return a * b;\n}\n");
    const why = await noPr(await run([same, same, same, same, same, same, same, same]), /^stalled$/);
    expect(why).toContain("did not change");
  }, 60_000);

  it("is triggered by a label or a comment from someone with write access, once per delivery, and by nobody else", async () => {
    const subscriber = resolverSubscriber({
      config: app.config,
      clients: app.clients,
      queue: app.queue,
      log: app.log,
    });
    const event = (id: string, name: string, payload: Obj) => ({
      id,
      event: name,
      payload,
      receivedAt: new Date().toISOString(),
    });
    const repository = { full_name: "acme/calc" };
    const labeled = event("d-label", "issues", {
      action: "labeled",
      label: { name: "auto-fix" },
      issue: { number: issue },
      repository,
      sender: { login: "acme", type: "User" },
    });
    const first = (await subscriber.handle(labeled, new AbortController().signal)) as Obj;
    const again = (await subscriber.handle(labeled, new AbortController().signal)) as Obj;
    expect(first).toMatchObject({ created: true });
    expect(again).toMatchObject({ queued: first["queued"], created: false });
    const job = await app.queue.get(String(first["queued"]));
    expect(job).toMatchObject({
      kind: RESOLVE_JOB,
      data: { owner: "acme", repo: "calc", issue, trigger: { kind: "label", user: "acme" } },
    });
    await app.queue.cancel(String(first["queued"]));

    const stranger = await subscriber.handle(
      event("d-comment", "issue_comment", {
        action: "created",
        comment: { body: "@repowright fix please", user: { login: "drive-by", type: "User" } },
        issue: { number: issue },
        repository,
      }),
      new AbortController().signal,
    );
    expect(stranger).toMatchObject({ ignored: expect.stringContaining("drive-by") });
    const bot = await subscriber.handle(
      event("d-bot", "issue_comment", {
        action: "created",
        comment: { body: "@repowright fix", user: { login: "helper[bot]", type: "Bot" } },
        issue: { number: issue },
        repository,
      }),
      new AbortController().signal,
    );
    expect(bot).toMatchObject({ ignored: expect.stringContaining("bot") });
    expect(await comments()).toEqual([]);
  });

  it("runs from a GitHub Action's event file with the webhook's trigger rules", async () => {
    const home = mkdtempSync(join(tmpdir(), "rw-action-"));
    try {
      const cli = async (payload: Obj, name: string) => {
        writeFileSync(join(home, "event.json"), JSON.stringify(payload));
        return runCliCaptured(["resolve", "--event", join(home, "event.json"), "--event-name", name], {
          ...env,
          REPOWRIGHT_HOME: home,
          REPOWRIGHT_LOG_LEVEL: "silent",
        });
      };
      const repository = { full_name: "acme/calc" };
      const stranger = await cli(
        {
          action: "created",
          comment: { body: "@repowright fix", user: { login: "drive-by", type: "User" } },
          issue: { number: issue },
          repository,
        },
        "issue_comment",
      );
      expect(stranger).toMatchObject({ code: 0 });
      expect(stranger.err).toContain("nothing to do");
      expect(await comments()).toEqual([]);

      llm.load({ steps: [write("src/add.js", ADD_FIXED), runTests, finish] });
      const labeled = await cli(
        {
          action: "labeled",
          label: { name: "auto-fix" },
          issue: { number: issue },
          repository,
          sender: { login: "acme", type: "User" },
        },
        "issues",
      );
      expect(labeled.code, labeled.err).toBe(0);
      expect(labeled.out).toContain(`acme/calc#${issue}: pull request opened`);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);

  it("ships an Action whose every input it uses is declared", () => {
    const text = readFileSync(join(__dirname, "../../action.yml"), "utf8");
    const action = parseYaml(text) as { inputs: Record<string, unknown>; runs: { using: string } };
    expect(action.runs.using).toBe("composite");
    const used = [...text.matchAll(/\$\{\{ inputs\.([a-z-]+) \}\}/g)].map((m) => m[1] as string);
    expect(used.length).toBeGreaterThan(3);
    for (const name of used) expect(Object.keys(action.inputs)).toContain(name);
    expect(text).toContain("resolve --event");
  });
});
