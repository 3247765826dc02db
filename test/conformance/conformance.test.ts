/**
 * The official MCP conformance suite (`@modelcontextprotocol/conformance`, pinned to 0.1.13: later releases
 * need Node 22) against the real `repowright serve --transport http`, with the fixture toolset of
 * ./fixtures.ts loaded as a plugin so that the suite exercises our host and pipeline.
 *
 * It runs every server scenario (`--suite all`: the active suite plus the two pending ones); the scenarios
 * that cannot pass are listed, with the reason, in ./expected-failures.yml, and the runner exits non-zero
 * on any other failure or on a listed scenario that now passes.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURES_PLUGIN, REPO_ROOT, type ServeProcess, startHttpServe } from "../mcp/serve-process.js";

const EXPECTED_FAILURES = join(REPO_ROOT, "test/conformance/expected-failures.yml");

function runConformance(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["conformance", ...args], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      output += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      output += d;
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output }));
  });
}

describe("MCP conformance suite 0.1.13 against serve --transport http", () => {
  let served: ServeProcess;

  beforeAll(async () => {
    served = await startHttpServe(["--toolsets", "memory,conformance", "--plugin", FIXTURES_PLUGIN]);
  }, 120_000);

  afterAll(async () => {
    await served?.stop();
  });

  it("passes every server scenario except the listed expected failures", async () => {
    const { code, output } = await runConformance([
      "server",
      "--url",
      served.url,
      "--suite",
      "all",
      "--expected-failures",
      EXPECTED_FAILURES,
    ]);
    const summaryAt = output.indexOf("=== SUMMARY ===");
    const summary = summaryAt >= 0 ? output.slice(summaryAt) : output;
    process.stdout.write(`\n${summary}\n`);
    expect(code, `conformance run failed:\n${summary}\n--- server stderr ---\n${served.stderr()}`).toBe(0);
    // Every scenario of the suite ran (a scenario missing from the summary would not fail the runner).
    for (const scenario of [
      "server-initialize",
      "logging-set-level",
      "ping",
      "completion-complete",
      "tools-list",
      "tools-call-simple-text",
      "tools-call-image",
      "tools-call-audio",
      "tools-call-embedded-resource",
      "tools-call-mixed-content",
      "tools-call-with-logging",
      "tools-call-error",
      "tools-call-with-progress",
      "tools-call-sampling",
      "tools-call-elicitation",
      "json-schema-2020-12",
      "elicitation-sep1034-defaults",
      "server-sse-multiple-streams",
      "elicitation-sep1330-enums",
      "resources-list",
      "resources-read-text",
      "resources-read-binary",
      "resources-templates-read",
      "resources-subscribe",
      "resources-unsubscribe",
      "prompts-list",
      "prompts-get-simple",
      "prompts-get-with-args",
      "prompts-get-embedded-resource",
      "prompts-get-with-image",
      "dns-rebinding-protection",
    ]) {
      expect(summary).toMatch(new RegExp(`✓ ${scenario}: [1-9]\\d* passed, 0 failed`));
    }
  }, 600_000);
});
