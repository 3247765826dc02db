/**
 * A GitHub that keeps failing is not hammered: after REPOWRIGHT_BREAKER_FAILURES consecutive upstream
 * failures, calls fail at once with retry_after_s (the emulator sees no request), 4xx answers never count,
 * and one successful trial after the cooldown closes the circuit again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GithubTestBed, startGithubTestBed, WIDGETS } from "./helpers.js";

describe("circuit breaker on the GitHub client", () => {
  let bed: GithubTestBed;
  const repo = () => bed.app.call("get_repository", { owner: "acme", repo: "widgets" });
  const hits = () => bed.emu.requests.filter((r) => r.path === "/repos/acme/widgets").length;

  beforeAll(async () => {
    bed = await startGithubTestBed(WIDGETS, {
      GITHUB_MAX_RETRIES: "0",
      REPOWRIGHT_BREAKER_FAILURES: "3",
      REPOWRIGHT_BREAKER_COOLDOWN_S: "1",
    });
  });
  afterAll(async () => {
    await bed?.close();
  });

  it("opens after consecutive 5xx, fails fast while open, and closes after a good trial", async () => {
    // Not-found answers are the caller's business: any number of them leave the circuit closed.
    for (let i = 0; i < 4; i++) {
      expect(
        await bed.app.call("get_issue", { owner: "acme", repo: "widgets", issue_number: 999 }),
      ).toMatchObject({
        data: { type: "not_found" },
      });
    }
    bed.emu.faults.push({
      method: "GET",
      path: "/repos/acme/widgets",
      kind: "status",
      status: 502,
      times: 0,
    });
    for (let i = 0; i < 3; i++)
      expect(await repo()).toMatchObject({ isError: true, data: { type: "upstream", status_code: 502 } });
    const seen = hits();
    const fast = await repo();
    expect(fast).toMatchObject({ isError: true, data: { type: "upstream", retry_after_s: 1 } });
    expect(String((fast.data as Record<string, unknown>)["error"])).toMatch(
      /failed 3 times in a row; calls to it are paused/,
    );
    expect(hits()).toBe(seen);

    bed.emu.faults.length = 0;
    await new Promise((r) => setTimeout(r, 1100));
    expect(await repo()).toMatchObject({ isError: false });
    expect(await repo()).toMatchObject({ isError: false });
  });
});
