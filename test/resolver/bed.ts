/**
 * The resolver's test bed: the GitHub emulator, the scripted model emulator (driving the real Anthropic
 * SDK client) and an in-process app configured for both, on loopback only; plus the helpers every
 * resolver test reads the outcome with (the issue's comments, the issue's pull requests, the emulator's
 * git).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ResolveRequest,
  type RunRecord,
  resolveIssue,
  resolverDeps,
} from "../../src/agents/resolver/run.js";
import { createGithubEmulator, type GithubEmulator, type Seed } from "../../src/emulators/github/server.js";
import {
  createLlmEmulator,
  type LlmEmulator,
  type ScriptedToolCall,
} from "../../src/emulators/llm/server.js";
import { runSandboxed, type SandboxLevel } from "../../src/sandbox/index.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

type Obj = Record<string, unknown>;
export type Steps = Parameters<LlmEmulator["load"]>[0]["steps"];

/** One scripted model turn that calls these tools, in order. */
export const calls = (...tool_calls: ScriptedToolCall[]) => ({ reply: { tool_calls } });

export interface ResolverBed {
  gh: GithubEmulator;
  llm: LlmEmulator;
  app: TestApp;
  /** The app's environment (for a CLI run against the same emulators). */
  env: Record<string, string>;
  /** Runs the resolver in this process on the issue with a scripted model. */
  run(
    issue: Omit<ResolveRequest, "trigger"> & Partial<Pick<ResolveRequest, "trigger">>,
    steps: Steps,
  ): Promise<RunRecord>;
  /** The issue's comments' bodies. */
  comments(owner: string, repo: string, issue: number): Promise<string[]>;
  /** The repository's pull requests (all states) whose head branch is the issue's. */
  pulls(owner: string, repo: string, issue: number): Promise<Obj[]>;
  /** git on the emulator's bare repository. */
  git(owner: string, repo: string, ...args: string[]): string;
  close(): Promise<void>;
}

export async function startResolverBed(
  seed: Seed,
  extraEnv: Record<string, string> = {},
): Promise<ResolverBed> {
  const gh = await createGithubEmulator();
  await gh.seed(seed);
  const llm = await createLlmEmulator();
  const env: Record<string, string> = {
    REPOWRIGHT_TOOLSETS: "github,jobs",
    GITHUB_TOKEN: "resolver-token",
    GITHUB_API_URL: gh.url,
    GITHUB_WRITE_INTERVAL_MS: "0",
    REPOWRIGHT_LLM_API_KEY: "test-key",
    REPOWRIGHT_LLM_BASE_URL: llm.anthropicBaseUrl,
    REPOWRIGHT_LLM_MODEL: "scripted",
    REPOWRIGHT_LLM_PRICES: JSON.stringify({ scripted: { input: 3, output: 15 } }),
    REPOWRIGHT_RESOLVER_STALL_TURNS: "3",
    REPOWRIGHT_SANDBOX_TIMEOUT_S: "120",
    ...extraEnv,
  };
  const app = await startTestApp({ env });
  return {
    gh,
    llm,
    app,
    env,
    run(issue, steps) {
      llm.load({ steps, fallback: { text: "(the script is over)" } });
      return resolveIssue({ trigger: { kind: "cli" }, ...issue }, resolverDeps(app.host));
    },
    async comments(owner, repo, issue) {
      const r = await app.call("list_issue_comments", { owner, repo, issue_number: issue });
      return ((r.data as Obj)["comments"] as Obj[]).map((c) => String(c["body"]));
    },
    async pulls(owner, repo, issue) {
      const r = await app.call("list_pull_requests", { owner, repo, state: "all" });
      return ((r.data as Obj)["pull_requests"] as Obj[]).filter((p) =>
        String(p["head"] ?? p["head_ref"] ?? "").endsWith(`issue-${issue}`),
      );
    },
    git: (owner, repo, ...args) =>
      execFileSync("git", [`--git-dir=${gh.gitDir(owner, repo)}`, ...args], { encoding: "utf8" }).trim(),
    async close() {
      await app.close();
      await llm.close();
      await gh.close();
    },
  };
}

/**
 * The sandbox level at which `argv` runs (bubblewrap first), or undefined when it runs at neither: tools
 * installed under a home directory (pyenv, rustup) are hidden by bubblewrap.
 */
export async function sandboxLevelFor(
  argv: string[],
  env: Record<string, string> = {},
): Promise<SandboxLevel | undefined> {
  const dir = mkdtempSync(join(tmpdir(), "rw-testing-probe-"));
  try {
    for (const level of ["bubblewrap", "process"] as const) {
      const r = await runSandboxed({ command: argv, cwd: dir, level, env, timeoutMs: 60_000 }).catch(
        () => undefined,
      );
      if (r?.exitCode === 0) return level;
    }
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
