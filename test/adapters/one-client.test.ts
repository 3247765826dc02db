/**
 * One client per outside service, one way to call a tool: the github, ci and prs toolsets share one
 * GitHub client built by the composition root, and create_pr_stack's GitHub writes go through the host
 * (so an excluded push_files stops it).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { defaultClientFactories } from "../../src/clients.js";
import { createGithubEmulator, type GithubEmulator } from "../../src/emulators/github/server.js";
import type { GithubDeps } from "../../src/github/client.js";
import { dropPrefix, uniquePrefix } from "../goals/redis-prefix.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { loopbackFetch } from "../helpers/loopback.js";

const redisUrl = inject("redisUrl");

describe("one GitHub client per process", () => {
  let emu: GithubEmulator;
  let work: string;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    emu = await createGithubEmulator();
    await emu.seed({
      repos: [
        {
          owner: "acme",
          name: "api",
          files: { "README.md": "# api\n", "src/a.ts": "export const a = 1;\n" },
          issues: [{ title: "First", body: "one" }],
        },
      ],
    });
    work = mkdtempSync(join(tmpdir(), "rw-one-client-"));
    execFileSync("git", ["clone", "-q", emu.gitDir("acme", "api"), work]);
    writeFileSync(join(work, "src/a.ts"), "export const a = 2;\n");
    writeFileSync(join(work, "src/b.ts"), "export const b = 1;\n");
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await emu.close();
    rmSync(work, { recursive: true, force: true });
  });

  const start = async (built: GithubDeps[], excludeTools?: string[]) => {
    const app = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "github,ci,prs",
        GITHUB_TOKEN: "test-token",
        GITHUB_API_URL: emu.url,
        GITHUB_WRITE_INTERVAL_MS: "0",
      },
      excludeTools,
      clientFactories: {
        github(options) {
          const deps = defaultClientFactories.github(options);
          built.push(deps);
          return deps;
        },
      },
    });
    apps.push(app);
    return app;
  };

  it("builds one Octokit for the github, ci and prs toolsets, and every call uses it", async () => {
    const built: GithubDeps[] = [];
    const app = await start(built);
    const sent: string[] = [];
    for (const deps of built) {
      deps.octokit.hook.before("request", (options) => {
        sent.push(`${String(options.method)} ${String(options.url)}`);
      });
    }
    expect((await app.call("get_issue", { owner: "acme", repo: "api", issue_number: 1 })).isError).toBe(
      false,
    );
    expect((await app.call("list_workflow_runs", { owner: "acme", repo: "api" })).isError).toBe(false);
    const stack = await app.call("create_pr_stack", { path: work, owner: "acme", repo: "api", base: "main" });
    expect(stack.isError, JSON.stringify(stack.data)).toBe(false);
    expect(built).toHaveLength(1);
    expect(app.clients.github()).toBe(built[0]);
    // github (issues), ci-facing actions and the prs stack all went through that one client (and its
    // breaker, ETag cache and write pacing, which live on it).
    expect(sent).toEqual(
      expect.arrayContaining([
        "GET /repos/{owner}/{repo}/issues/{issue_number}",
        "GET /repos/{owner}/{repo}/actions/runs",
        "POST /repos/{owner}/{repo}/git/refs",
        "POST /repos/{owner}/{repo}/pulls",
      ]),
    );
  });

  it("create_pr_stack cannot push when push_files is excluded, and leaves nothing behind", async () => {
    const app = await start([], ["push_files"]);
    const branchesBefore = execFileSync("git", [`--git-dir=${emu.gitDir("acme", "api")}`, "branch"], {
      encoding: "utf8",
    });
    const r = await app.call("create_pr_stack", {
      path: work,
      owner: "acme",
      repo: "api",
      base: "main",
      prefix: "excluded",
    });
    expect(r.isError).toBe(true);
    expect(r.data).toMatchObject({ type: "forbidden", error: expect.stringContaining("push_files") });
    const branchesAfter = execFileSync("git", [`--git-dir=${emu.gitDir("acme", "api")}`, "branch"], {
      encoding: "utf8",
    });
    expect(branchesAfter).toBe(branchesBefore);
  });
});

describe.skipIf(!redisUrl)("GitHub write pacing shared by replicas on one Redis", () => {
  let emu: GithubEmulator;
  const prefix = uniquePrefix("gh-pacing");
  const apps: TestApp[] = [];
  beforeAll(async () => {
    emu = await createGithubEmulator();
    await emu.seed({ repos: [{ owner: "acme", name: "api", files: { "README.md": "# api\n" } }] });
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await emu.close();
    await dropPrefix(redisUrl, prefix);
    // Bottleneck's own keys start with "b_" and then the limiter id, which starts with our prefix.
    await dropPrefix(redisUrl, `b_${prefix}`);
  });

  it("two servers writing at once keep one write per GITHUB_WRITE_INTERVAL_MS between them", async () => {
    const sent: number[] = [];
    const timed: typeof fetch = (input, init) => {
      if ((init?.method ?? "GET").toUpperCase() === "POST") sent.push(performance.now());
      return loopbackFetch(input, init);
    };
    for (let i = 0; i < 2; i++) {
      apps.push(
        await startTestApp({
          env: {
            REPOWRIGHT_TOOLSETS: "github",
            REPOWRIGHT_STORE: "redis",
            REDIS_URL: redisUrl,
            REPOWRIGHT_REDIS_PREFIX: prefix,
            GITHUB_TOKEN: "test-token",
            GITHUB_API_URL: emu.url,
            GITHUB_WRITE_INTERVAL_MS: "300",
          },
          clientFactories: {
            github: (options) => defaultClientFactories.github({ ...options, fetch: timed }),
          },
        }),
      );
    }
    const results = await Promise.all(
      [0, 1, 2, 3, 4, 5].map((i) =>
        apps[i % 2]!.call("create_issue", { owner: "acme", repo: "api", title: `issue ${i}` }),
      ),
    );
    expect(results.filter((r) => r.isError).map((r) => r.data)).toEqual([]);
    expect(sent).toHaveLength(6);
    const gaps = sent
      .sort((a, b) => a - b)
      .slice(1)
      .map((t, i) => t - sent[i]!);
    // Each server alone would pace only its own writes: the two would send theirs at about the same time.
    expect(Math.min(...gaps)).toBeGreaterThan(200);
  });
});
