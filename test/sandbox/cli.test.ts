import { describe, expect, it } from "vitest";
import { preflight } from "../../src/sandbox/index.js";
import { runCliCaptured } from "../helpers/cli.js";

async function cli(env: Record<string, string>, ...args: string[]) {
  return runCliCaptured(args, { REPOWRIGHT_LOG_LEVEL: "silent", PATH: process.env["PATH"] ?? "", ...env });
}

describe("repowright sandbox check", () => {
  it("prints the level commands will get, why, and the fallback, and exits 0", async () => {
    const check = await preflight();
    const text = await cli({}, "sandbox", "check");
    expect(text.code).toBe(0);
    expect(text.out).toContain(`level: ${check.level} (REPOWRIGHT_SANDBOX=auto)`);
    expect(text.out).toContain(`fallback: ${check.fallback}`);
    if (!check.available) expect(text.out).toContain(`not available: ${check.reason}`);

    const json = await cli({ REPOWRIGHT_SANDBOX: "bubblewrap" }, "sandbox", "check", "--json");
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({
      configured: "bubblewrap",
      level: check.available ? "bubblewrap" : null,
      bubblewrap: { available: check.available },
      fallback: check.fallback,
    });
  });
});
