/** Found by an attack on the running server: GitHub answers logged at the right level, and the emulator answering bad input like GitHub. */
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGithubEmulator, type GithubEmulator } from "../../src/emulators/github/server.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { type GithubTestBed, startGithubTestBed, WIDGETS } from "./helpers.js";

describe("GitHub request logs", () => {
  let emu: GithubEmulator;
  let app: TestApp;
  let logs = "";
  beforeAll(async () => {
    emu = await createGithubEmulator();
    await emu.seed(WIDGETS);
    const dest = new PassThrough();
    dest.on("data", (d) => {
      logs += d;
    });
    app = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "github",
        REPOWRIGHT_LOG_LEVEL: "debug",
        GITHUB_TOKEN: "test-token",
        GITHUB_API_URL: emu.url,
        GITHUB_MAX_RETRIES: "0",
      },
      logDestination: dest,
    });
  });
  afterAll(async () => {
    await app?.close();
    await emu?.close();
  });

  it("logs a 404 as a warning, not as an error", async () => {
    const r = await app.call("get_issue", { owner: "acme", repo: "widgets", issue_number: 999 });
    expect(r).toMatchObject({ isError: true, data: { type: "not_found" } });
    const lines = logs
      .split("\n")
      .filter((l) => l.includes(" - 404"))
      .map((l) => JSON.parse(l) as { level: number });
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l.level).toBe(40);
  });
});

describe("the emulator answers like GitHub to input git cannot hold", () => {
  let bed: GithubTestBed;
  beforeAll(async () => {
    bed = await startGithubTestBed(WIDGETS);
  });
  afterAll(async () => {
    await bed?.close();
  });

  it("422, not 500, for a NUL in a code search and a newline in a pushed file name", async () => {
    const search = await bed.app.call("search_code", { query: "widget\u0000 repo:acme/widgets" });
    expect(search.isError).toBe(true);
    expect((search.data as Record<string, unknown>)["status_code"]).toBe(422);
    const push = await bed.app.call("push_files", {
      owner: "acme",
      repo: "widgets",
      branch: "main",
      message: "bad name",
      files: [{ path: "docs/a\nb.md", content: "x" }],
    });
    expect(push.isError).toBe(true);
    expect((push.data as Record<string, unknown>)["status_code"]).toBe(422);
    expect(bed.emu.requests.filter((r) => r.status >= 500)).toEqual([]);
  });
});
