/** GitHub's answers are logged at the level they deserve: a 404 is a warning, never an error. */
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGithubEmulator, type GithubEmulator } from "../../src/emulators/github/server.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { WIDGETS } from "./helpers.js";

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
