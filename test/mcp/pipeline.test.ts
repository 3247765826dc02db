/**
 * The tool pipeline's time limit and cancellation, through the real SDK client: a slow tool ends in a
 * `timeout` error on time and its signal is aborted; a tool that never looks at its signal is unaffected;
 * handler errors keep their tier.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { notFoundError } from "../../src/core/errors.js";
import { defineTool, defineToolset, type Toolset } from "../../src/mcp/tool.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

const events: string[] = [];
const RO = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

const probe = defineToolset({
  name: "probe",
  description: "Tools that exercise the pipeline.",
  tools: [
    defineTool({
      name: "wait_for_abort",
      title: "Wait until aborted",
      description: "Waits until its signal aborts, then records why.",
      input: z.object({}),
      annotations: RO,
      timeoutMs: 200,
      handler: (_input, ctx) =>
        new Promise((_resolve, reject) => {
          ctx.signal.addEventListener("abort", () => {
            events.push(`aborted: ${(ctx.signal.reason as Error)?.message}`);
            reject(ctx.signal.reason);
          });
        }),
    }),
    defineTool({
      name: "sleep_ignoring_signal",
      title: "Sleep",
      description: "Sleeps without looking at its signal.",
      input: z.object({ ms: z.number().int().describe("How long.") }),
      annotations: RO,
      timeoutMs: 300,
      handler: async (input) => {
        await new Promise((r) => setTimeout(r, input.ms));
        return { slept: input.ms };
      },
    }),
    defineTool({
      name: "find_missing",
      title: "Not found",
      description: "Always fails with not_found.",
      input: z.object({}),
      annotations: RO,
      handler: async () => {
        throw notFoundError("no such thing");
      },
    }),
    defineTool({
      name: "crash_inside",
      title: "Crash",
      description: "Throws an unexpected error carrying a secret.",
      input: z.object({}),
      annotations: RO,
      handler: async () => {
        throw new Error("boom with ghp_abcdefghijklmnopqrstuvwxyz0123456789");
      },
    }),
  ],
}) as Toolset;

describe("tool pipeline", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ toolsets: [probe], env: { REPOWRIGHT_TOOLSETS: "probe" } });
  });
  afterAll(() => app.close());

  it("times a slow call out with a timeout error and aborts its signal", async () => {
    const res = await app.call("wait_for_abort");
    expect(res.isError).toBe(true);
    expect(res.data).toMatchObject({ type: "timeout" });
    expect((res.data as { error: string }).error).toMatch(/did not finish within/);
    expect(events).toEqual([expect.stringMatching(/^aborted: the call did not finish/)]);
  });

  it("times out a call that ignores its signal too, and lets a quick one finish", async () => {
    expect((await app.call("sleep_ignoring_signal", { ms: 5 })).data).toEqual({ slept: 5 });
    const slow = await app.call("sleep_ignoring_signal", { ms: 2000 });
    expect(slow.data).toMatchObject({ type: "timeout" });
  });

  it("keeps the tier of known errors and hides unexpected ones", async () => {
    expect((await app.call("find_missing")).data).toEqual({
      error: "no such thing",
      type: "not_found",
      status_code: 404,
    });
    const crash = await app.call("crash_inside");
    expect(crash.data).toEqual({ error: "internal error; the server log has the details", type: "internal" });
  });

  it("counts outcomes per tool in the metrics", async () => {
    const text = await app.host.metrics.registry.metrics();
    expect(text).toMatch(/repowright_tool_calls_total\{tool="wait_for_abort",outcome="timeout"\} 1/);
    expect(text).toMatch(/repowright_tool_calls_total\{tool="find_missing",outcome="not_found"\} 1/);
    expect(text).toMatch(/repowright_tool_duration_seconds_count\{tool="sleep_ignoring_signal"\} 2/);
  });
});
