/**
 * GitHub toolset vs the reference @modelcontextprotocol/server-github, side by side in one run, both over
 * stdio against the same GitHub emulator (the reference's hard-coded api.github.com is redirected there by
 * a `--import` preload that rewrites fetch). Prints, per scenario, the HTTP requests each made (counted at
 * the emulator), wall time and the part of it the emulator spent answering, and the CPU time of each server
 * process (from /proc: steadier than wall time on a shared machine); then the size of tool output versus
 * the raw API payloads. Both sides are warmed up on every scenario, rounds alternate who goes first, and
 * medians are shown. BENCH_GITHUB_ROUNDS sets the rounds; BENCH_GITHUB_CPU_PROF=<dir> makes both servers
 * write V8 CPU profiles there.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { createGithubEmulator, type GithubEmulator } from "../src/emulators/github/server.js";
import { connectStdio, cpuSeconds, table } from "./lib.js";

const require = createRequire(import.meta.url);
const root = join(import.meta.dirname, "..");
const OWNER = "acme";
const REPO = "bench";
const ROUNDS = Number(process.env["BENCH_GITHUB_ROUNDS"] ?? 9);

const PRELOAD = `
const target = process.env.BENCH_GITHUB_API_URL;
const original = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  return original(url.replace("https://api.github.com", target), init);
};
`;

function text(result: unknown): string {
  const r = result as { content?: { type: string; text?: string }[]; isError?: boolean };
  const t = r.content?.find((c) => c.type === "text")?.text ?? "";
  if (r.isError) throw new Error(`tool failed: ${t.slice(0, 300)}`);
  return t;
}

interface Side {
  name: string;
  client: Client;
  pid: number;
  pushFiles(branch: string, files: { path: string; content: string }[]): Promise<string>;
  listIssues(page: number, perPage: number): Promise<string>;
  getIssue(n: number): Promise<string>;
  getPull(n: number): Promise<string>;
}

interface Measured {
  requests: number;
  /** Requests that count against the rate limit: a 304 answer to a conditional request does not. */
  charged: number;
  ms: number;
  /** Of `ms`, the time the emulator spent answering (the same work for either side when requests match). */
  emuMs: number;
  /** CPU time of the MCP server process (user + system), in ms. */
  cpuMs: number;
}

async function measureRequests(
  emu: GithubEmulator,
  pid: number,
  fn: () => Promise<unknown>,
): Promise<Measured> {
  emu.requests.length = 0;
  const cpu = cpuSeconds(pid);
  const t = performance.now();
  await fn();
  const ms = performance.now() - t;
  const cpuMs = (cpuSeconds(pid) - cpu) * 1000;
  return {
    requests: emu.requests.length,
    charged: emu.requests.filter((r) => r.status !== 304).length,
    ms,
    emuMs: emu.requests.reduce((n, r) => n + (r.ms ?? 0), 0),
    cpuMs,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<void> {
  const emu = await createGithubEmulator();
  const home = mkdtempSync(join(tmpdir(), "rw-bench-gh-"));
  const preload = join(home, "redirect-fetch.mjs");
  writeFileSync(preload, PRELOAD);
  const files: Record<string, string> = { "README.md": "# bench\n" };
  for (let i = 0; i < 40; i++) files[`src/module${i}.ts`] = `export const value${i} = ${i};\n`;
  const branches: Record<string, { files: Record<string, string> }> = {};
  for (const r of ["warm", ...Array.from({ length: ROUNDS }, (_, i) => i)]) {
    branches[`rw-${r}`] = { files: {} };
    branches[`ref-${r}`] = { files: {} };
  }
  branches["feature"] = {
    files: { "src/module1.ts": "export const value1 = 100;\n", "src/new.ts": "export {};\n" },
  };
  await emu.seed({
    repos: [
      {
        owner: OWNER,
        name: REPO,
        files,
        branches,
        labels: [{ name: "bug" }, { name: "docs" }],
        issues: Array.from({ length: 300 }, (_, i) => ({
          title: `Issue ${i + 1}: something about module ${i % 40}`,
          body: `When calling value${i % 40} the result is wrong.\n\nSteps:\n1. import it\n2. call it\n\nExpected ${i}, got ${i + 1}.`,
          labels: i % 2 === 0 ? ["bug"] : ["docs"],
          assignees: i % 3 === 0 ? ["maya"] : [],
          user: i % 2 === 0 ? "omar" : "maya",
          comments:
            i === 0
              ? [
                  { user: "maya", body: "Confirmed on main." },
                  { user: "omar", body: "Fix incoming." },
                ]
              : [],
        })),
        pulls: [{ title: "Change module 1", head: "feature", body: "Updates module 1 and adds new.ts." }],
      },
    ],
  });
  const prNumber = 301;

  // BENCH_GITHUB_CPU_PROF=<dir>: both servers write a V8 CPU profile there when they exit.
  const prof = process.env["BENCH_GITHUB_CPU_PROF"];
  const profArgs = prof ? ["--cpu-prof", `--cpu-prof-dir=${prof}`] : [];
  const useTsx = [
    ...profArgs,
    "--import",
    "tsx",
    join(root, "src/cli/main.ts"),
    "serve",
    "--toolsets",
    "github",
  ];
  const { client: rwClient, pid: rwPid } = await connectStdio(process.execPath, useTsx, {
    GITHUB_TOKEN: "bench",
    GITHUB_API_URL: emu.url,
    // The emulator needs no pacing; against github.com the default (1000 ms between writes) applies.
    GITHUB_WRITE_INTERVAL_MS: "0",
    REPOWRIGHT_HOME: home,
    REPOWRIGHT_LOG_LEVEL: "warn",
  });
  const { client: refClient, pid: refPid } = await connectStdio(
    process.execPath,
    [...profArgs, "--import", preload, require.resolve("@modelcontextprotocol/server-github/dist/index.js")],
    { GITHUB_PERSONAL_ACCESS_TOKEN: "bench", BENCH_GITHUB_API_URL: emu.url },
  );
  const R = { owner: OWNER, repo: REPO };
  const sides: Side[] = [
    {
      name: "repowright",
      client: rwClient,
      pid: rwPid,
      pushFiles: async (branch, fs) =>
        text(
          await rwClient.callTool({
            name: "push_files",
            arguments: { ...R, branch, message: "bench", files: fs },
          }),
        ),
      listIssues: async (page, perPage) =>
        text(await rwClient.callTool({ name: "list_issues", arguments: { ...R, page, per_page: perPage } })),
      getIssue: async (n) =>
        text(await rwClient.callTool({ name: "get_issue", arguments: { ...R, issue_number: n } })),
      getPull: async (n) =>
        text(await rwClient.callTool({ name: "get_pull_request", arguments: { ...R, pull_number: n } })),
    },
    {
      name: "server-github",
      client: refClient,
      pid: refPid,
      pushFiles: async (branch, fs) =>
        text(
          await refClient.callTool({
            name: "push_files",
            arguments: { ...R, branch, message: "bench", files: fs },
          }),
        ),
      listIssues: async (page, perPage) =>
        text(await refClient.callTool({ name: "list_issues", arguments: { ...R, page, per_page: perPage } })),
      getIssue: async (n) =>
        text(await refClient.callTool({ name: "get_issue", arguments: { ...R, issue_number: n } })),
      getPull: async (n) =>
        text(await refClient.callTool({ name: "get_pull_request", arguments: { ...R, pull_number: n } })),
    },
  ];

  try {
    const push = (s: Side, branch: string, r: number) =>
      s.pushFiles(
        branch,
        Array.from({ length: 20 }, (_, i) => ({
          path: `src/module${i}.ts`,
          content: `export const value${i} = ${i * 10 + r};\n`,
        })),
      );
    const list = async (s: Side) => {
      for (let page = 1; page <= 3; page++) await s.listIssues(page, 100);
    };
    // Warm up both on both scenarios (module loading, JIT, first connection, repowright's ETag cache).
    for (const s of sides) {
      await s.getIssue(2);
      await push(s, s.name === "repowright" ? "rw-warm" : "ref-warm", -1);
      await list(s);
    }

    const rows: (string | number)[][] = [];
    const results: Record<string, Record<"push" | "list" | "listChanged", Measured[]>> = {};
    for (const s of sides) results[s.name] = { push: [], list: [], listChanged: [] };
    const issues = emu.state.repo(OWNER, REPO)!.issues;
    let edits = 0;
    /** Edits every issue, so that each page's ETag changes and both sides get full 200 answers. */
    const changeIssues = () => {
      edits++;
      for (const i of issues) i.updated_at = new Date(Date.UTC(2026, 0, 1, 0, 0, edits)).toISOString();
    };
    // Alternate who goes first, so that neither side always runs right after the other's writes. The
    // issues change once per round, between the unchanged and the changed listing of both sides.
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? sides : [...sides].reverse();
      for (const s of order) {
        const prefix = s.name === "repowright" ? "rw" : "ref";
        results[s.name]!.push.push(await measureRequests(emu, s.pid, () => push(s, `${prefix}-${r}`, r)));
      }
      for (const s of order) results[s.name]!.list.push(await measureRequests(emu, s.pid, () => list(s)));
      changeIssues();
      for (const s of order)
        results[s.name]!.listChanged.push(await measureRequests(emu, s.pid, () => list(s)));
    }
    const cpu = (xs: Measured[]) => xs.reduce((n, x) => n + x.cpuMs, 0) / xs.length;
    for (const [label, key] of [
      ["push_files, 20 files", "push"],
      ["list 300 issues (3 pages of 100), unchanged since the last read", "list"],
      ["list 300 issues (3 pages of 100), all changed since the last read", "listChanged"],
    ] as const) {
      const rw = results["repowright"]![key];
      const ref = results["server-github"]![key];
      const ms = (xs: Measured[]) => median(xs.map((x) => x.ms));
      const emuMs = (xs: Measured[]) => median(xs.map((x) => x.emuMs));
      rows.push([
        label,
        `${median(rw.map((x) => x.requests))} / ${median(ref.map((x) => x.requests))}`,
        `${rw.reduce((n, x) => n + x.charged, 0)} / ${ref.reduce((n, x) => n + x.charged, 0)}`,
        ms(rw),
        ms(ref),
        ms(ref) / ms(rw),
        `${emuMs(rw).toFixed(0)} / ${emuMs(ref).toFixed(0)}`,
        cpu(rw),
        cpu(ref),
        cpu(ref) / cpu(rw),
      ]);
    }
    process.stdout.write(
      `\n## github: repowright vs @modelcontextprotocol/server-github on the same emulator (median of ${ROUNDS} alternating rounds after a warm-up)\n`,
    );
    process.stdout.write(
      `${table(
        [
          "scenario",
          "requests (rw / ref)",
          `rate-limited requests, all ${ROUNDS} rounds (rw / ref)`,
          "rw ms",
          "ref ms",
          "wall ratio (>1 = rw faster)",
          "of which emulator ms (rw / ref)",
          "rw server CPU ms",
          "ref server CPU ms",
          "CPU ratio (>1 = rw cheaper)",
        ],
        rows,
      )}\n`,
    );
    process.stdout.write(
      "note: server CPU is user + system time of each MCP server process (from /proc, 10 ms ticks), mean per call over all rounds; it does not depend on the machine's load the way wall time does.\n",
    );
    process.stdout.write(
      "note: repeated reads by repowright are conditional (If-None-Match): unchanged pages come back as 304s, which GitHub does not charge to the rate limit, and are answered from its cache; when the issues changed both sides get full pages.\n",
    );
    process.stdout.write(
      "note: repowright's push_files never forces (the ref update is a fast-forward check); the reference sends force: true.\n",
    );

    // Output size: tool output vs the raw REST payloads for the same objects.
    const raw = async (path: string) => (await (await fetch(`${emu.url}${path}`)).text()).length;
    const base = `/repos/${OWNER}/${REPO}`;
    const sizes: (string | number)[][] = [];
    const rwIssue = (await sides[0]!.getIssue(1)).length;
    const refIssue = (await sides[1]!.getIssue(1)).length;
    const rawIssue = (await raw(`${base}/issues/1`)) + (await raw(`${base}/issues/1/comments`));
    sizes.push(["get_issue #1 (with its 2 comments)", rwIssue, refIssue, rawIssue]);
    const rwList = (await sides[0]!.listIssues(1, 30)).length;
    const refList = (await sides[1]!.listIssues(1, 30)).length;
    sizes.push(["list_issues, 30 issues", rwList, refList, await raw(`${base}/issues?per_page=30&page=1`)]);
    const rwPull = (await sides[0]!.getPull(prNumber)).length;
    const refPull = (await sides[1]!.getPull(prNumber)).length;
    sizes.push(["get_pull_request", rwPull, refPull, await raw(`${base}/pulls/${prNumber}`)]);
    process.stdout.write(
      `\n${table(
        ["tool output (bytes)", "repowright", "server-github", "raw API", "rw / raw", "rw / ref"],
        sizes.map((r) => [...r, Number(r[1]) / Number(r[3]), Number(r[1]) / Number(r[2])]),
      )}\n`,
    );
    process.stdout.write(
      "note: repowright's get_issue includes the comments (raw = issue + comments payloads); the reference returns the issue only.\n",
    );
  } finally {
    await rwClient.close().catch(() => {});
    await refClient.close().catch(() => {});
    await emu.close();
    rmSync(home, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
