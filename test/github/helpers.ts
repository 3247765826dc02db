/** A GitHub emulator on port 0 plus a real host serving the github toolset against it. */
import { execFileSync } from "node:child_process";
import {
  createGithubEmulator,
  type EmulatorOptions,
  type GithubEmulator,
  type Seed,
} from "../../src/emulators/github/server.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

export interface GithubTestBed {
  emu: GithubEmulator;
  app: TestApp;
  git(owner: string, repo: string, ...args: string[]): string;
  close(): Promise<void>;
}

export async function startGithubTestBed(
  seed: Seed,
  env: Record<string, string> = {},
  emulator: EmulatorOptions = {},
): Promise<GithubTestBed> {
  const emu = await createGithubEmulator(emulator);
  await emu.seed(seed);
  const app = await startTestApp({
    env: {
      REPOWRIGHT_TOOLSETS: "github",
      GITHUB_TOKEN: "test-token",
      GITHUB_API_URL: emu.url,
      GITHUB_MAX_RETRIES: "2",
      GITHUB_WRITE_INTERVAL_MS: "0",
      ...env,
    },
  });
  return {
    emu,
    app,
    git: (owner, repo, ...args) =>
      // git's own complaint goes into the error a test may expect, not onto the terminal.
      execFileSync("git", [`--git-dir=${emu.gitDir(owner, repo)}`, ...args], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      }).trim(),
    async close() {
      await app.close();
      await emu.close();
    },
  };
}

export const WIDGETS: Seed = {
  repos: [
    {
      owner: "acme",
      name: "widgets",
      description: "Widgets for everyone",
      files: {
        "README.md": "# widgets\n",
        "src/a.ts": "export const a = 1;\n",
        "src/b.ts": "export const b = 1;\n",
        "src/old.ts": "export const old = true;\n",
        "docs/guide.md": "guide\n",
      },
      labels: [{ name: "bug", color: "d73a4a" }],
      issues: [
        {
          title: "Widgets crash on empty input",
          body: "Steps: call widget('') and it throws.",
          labels: ["bug"],
          comments: [{ user: "maya", body: "Same here on v2." }],
        },
        { title: "Docs typo", body: "teh -> the" },
      ],
    },
  ],
};

/** Calls the emulator's REST API as a token: status and JSON body (`{}` for a 204). */
export function emulatorCall(url: () => string, defaultToken: string) {
  return async (method: string, path: string, body?: unknown, token = defaultToken) => {
    const res = await fetch(`${url()}${path}`, {
      method,
      headers: { authorization: `token ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
      status: res.status,
      body: res.status === 204 ? {} : ((await res.json()) as Record<string, unknown>),
    };
  };
}
