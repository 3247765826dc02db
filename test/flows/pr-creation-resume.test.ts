/**
 * The shipped pr_creation flow survives the death of its worker in the middle of create_pr_stack: a
 * `repowright worker` child runs the queued flow against the GitHub emulator, is SIGKILLed after the
 * first pull request exists and while the stack is on its way to the next one, and a second worker
 * resumes the run. The stack ends up made once: as many pull requests as groups, no branch or pull request
 * twice, bases chaining, each branch one commit on its parent, and no branch pushed twice.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.js";
import { createGithubEmulator, type GithubEmulator } from "../../src/emulators/github/server.js";
import { FLOW_JOB, readFlowRun, startFlowRun } from "../../src/flows/index.js";

const root = resolve(__dirname, "../..");
const MAIN = join(root, "src/cli/main.ts");
const FLOW = readFileSync(join(root, "flows/pr_creation.yaml"), "utf8");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Pull = { number: number; state: string; head: { ref: string }; base: { ref: string } };

// Where the kill lands: the stack's first look at the second branch (whether an earlier run made it) is
// held at the emulator, or its second (push_files reading the branch it just made, before the commit).
const KILLS = [
  { held: 0, when: "between the first pull request and the second branch" },
  { held: 1, when: "between the second branch and its commit" },
];

describe.each(KILLS)("the pr_creation flow whose worker is killed $when", ({ held: skip }) => {
  const home = mkdtempSync(join(tmpdir(), "rw-prs-resume-home-"));
  const work = mkdtempSync(join(tmpdir(), "rw-prs-resume-work-"));
  const children: ChildProcess[] = [];
  let emu: GithubEmulator;
  let app: App;
  let env: Record<string, string>;

  const git = (...args: string[]) =>
    execFileSync("git", [`--git-dir=${emu.gitDir("acme", "api")}`, ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();
  const pulls = async (): Promise<Pull[]> => {
    const res = await fetch(`${emu.url}/repos/acme/api/pulls?state=all&per_page=100`, {
      headers: { authorization: "token test-token" },
    });
    return (await res.json()) as Pull[];
  };
  const worker = () => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, "worker"], {
      cwd: root,
      env: { PATH: process.env["PATH"] ?? "", HOME: home, ...env },
      stdio: "ignore",
    });
    children.push(child);
    return child;
  };

  beforeAll(async () => {
    emu = await createGithubEmulator();
    await emu.seed({
      repos: [
        {
          owner: "acme",
          name: "api",
          files: {
            "package.json": '{ "name": "api" }\n',
            "src/auth/session.ts": "export function createSession(user: string) {\n  return { user };\n}\n",
            "src/api/routes.ts": "export const routes = [];\n",
            "README.md": "# api\n",
          },
        },
      ],
    });
    env = {
      REPOWRIGHT_HOME: home,
      REPOWRIGHT_LOG_LEVEL: "silent",
      REPOWRIGHT_TOOLSETS: "github,prs,flows,jobs",
      REPOWRIGHT_WORKSPACE_ROOTS: tmpdir(),
      REPOWRIGHT_QUEUE_LEASE_MS: "1500",
      GITHUB_TOKEN: "test-token",
      GITHUB_API_URL: emu.url,
      GITHUB_MAX_RETRIES: "0",
      GITHUB_WRITE_INTERVAL_MS: "0",
    };
    execFileSync("git", ["clone", "-q", emu.gitDir("acme", "api"), work]);
    const write = (path: string, content: string) => {
      mkdirSync(dirname(join(work, path)), { recursive: true });
      writeFileSync(join(work, path), content);
    };
    // Four areas that build on each other: dependencies, a util module, auth using it, the API using auth.
    write("package.json", '{ "name": "api", "dependencies": { "jose": "^6.0.0" } }\n');
    write("src/util/ids.ts", 'export const newId = () => "id-1";\n');
    write("src/util/clock.ts", "export const now = () => 1;\n");
    write("src/util/hash.ts", 'import { now } from "./clock.js";\nexport const hash = () => now();\n');
    write(
      "src/auth/session.ts",
      'import { newId } from "../util/ids.js";\nexport function createSession(user: string) {\n  return { id: newId(), user };\n}\n',
    );
    write(
      "src/auth/tokens.ts",
      'import { now } from "../util/clock.js";\nexport const expired = (t: number) => t < now();\n',
    );
    write("src/auth/keys.ts", 'import { hash } from "../util/hash.js";\nexport const key = () => hash();\n');
    write(
      "src/api/routes.ts",
      'import { expired } from "../auth/tokens.js";\nexport const routes = [expired];\n',
    );
    write("src/api/handlers.ts", 'import { key } from "../auth/keys.js";\nexport const handle = key;\n');
    write("src/api/limits.ts", "export const LIMIT = 60;\n");
    app = await createApp({ env });
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await app?.close();
    await emu?.close();
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it("completes after a second worker resumes it, with every pull request and branch made once", async () => {
    const run = await startFlowRun(
      app.host.services,
      { id: "test", roles: ["admin"], transport: "in-process" },
      FLOW,
      { repo_path: work, owner: "acme", repo: "api", base: "main", create: true, max_files_per_pr: 4 },
    );
    const job = (await app.queue.list()).find((j) => j.kind === FLOW_JOB);
    expect(job).toBeDefined();
    // Held at the emulator, so the kill lands there whatever the machine's speed.
    emu.faults.push({
      after: skip,
      method: "GET",
      path: "/repos/acme/api/branches/split**2-*",
      kind: "latency",
      latencyMs: 10_000,
    });
    const held = () => emu.requests.some((r) => r.fault === "latency");
    const a = worker();
    for (let i = 0; i < 1200 && !held(); i++) await sleep(50);
    expect(held()).toBe(true);
    const before = await pulls();
    a.kill("SIGKILL");
    await new Promise((r) => a.once("exit", r));
    expect(before.map((p) => p.base.ref)).toEqual(["main"]);
    const firstBranch = before[0]!.head.ref;
    const firstHead = git("rev-parse", `refs/heads/${firstBranch}`);
    const branchesAtKill = git("for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads/split/")
      .split("\n")
      .filter(Boolean);
    // The second branch is not there yet, or there with nothing on it: the first branch's commit.
    expect(branchesAtKill).toHaveLength(skip + 1);
    if (skip === 1) expect(branchesAtKill[1]!.split(" ")[1]).toBe(firstHead);

    worker();
    const done = await app.queue.wait(job!.id, { timeoutMs: 120_000 });
    expect(done).toMatchObject({ state: "completed", attempts: 2 });
    const ended = await readFlowRun(app.host.services, run.id);
    expect(ended.status, JSON.stringify(ended.nodes) + ended.error).toBe("completed");
    const output = ended.output as {
      groups: string[];
      pull_requests: { branch: string; base: string; number: number }[];
    };
    expect(output.groups.length).toBeGreaterThanOrEqual(3);
    expect(output.pull_requests).toHaveLength(output.groups.length);

    // On the emulator: exactly one open pull request per group, none closed, their bases chaining.
    const after = await pulls();
    expect(after).toHaveLength(output.groups.length);
    expect(after.every((p) => p.state === "open")).toBe(true);
    const heads = after.map((p) => p.head.ref);
    expect(new Set(heads).size).toBe(heads.length);
    const byHead = new Map(after.map((p) => [p.head.ref, p]));
    let parent = "main";
    for (const pr of output.pull_requests) {
      expect(byHead.get(pr.branch)?.number).toBe(pr.number);
      expect(pr.base).toBe(parent);
      expect(byHead.get(pr.branch)?.base.ref).toBe(parent);
      expect(git("rev-list", "--count", `refs/heads/${parent}..refs/heads/${pr.branch}`)).toBe("1");
      expect(git("rev-parse", `refs/heads/${pr.branch}^`)).toBe(git("rev-parse", `refs/heads/${parent}`));
      parent = pr.branch;
    }
    // The first branch was adopted as it was, not pushed again with another commit.
    expect(output.pull_requests[0]!.branch).toBe(firstBranch);
    expect(git("rev-parse", `refs/heads/${firstBranch}`)).toBe(firstHead);
    const branchWrites = (branch: string) =>
      emu.requests.filter(
        (r) =>
          r.method !== "GET" &&
          r.status < 300 &&
          decodeURIComponent(r.path).startsWith(`/repos/acme/api/git/refs/heads/${branch}`),
      );
    for (const pr of output.pull_requests) expect(branchWrites(pr.branch), pr.branch).toHaveLength(1);
    // The top of the stack is the working tree.
    expect(git("show", `refs/heads/${parent}:src/api/handlers.ts`)).toBe(
      readFileSync(join(work, "src/api/handlers.ts"), "utf8").trim(),
    );
  }, 180_000);
});
