import {
  isJSONRPCErrorResponse,
  isJSONRPCResultResponse,
  JSONRPCErrorResponseSchema,
  JSONRPCResultResponseSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import * as z4 from "zod/v4";
import { installResponseGuardFastPath } from "../../src/mcp/sdk-fastpath.js";

// Every shape of message a peer can send, and a few it should not.
const messages: unknown[] = [
  { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "cache_get", arguments: { key: "a" } } },
  { jsonrpc: "2.0", id: "x", method: "ping" },
  { jsonrpc: "2.0", method: "notifications/initialized" },
  { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1 } },
  { jsonrpc: "2.0", id: 1, result: {} },
  { jsonrpc: "2.0", id: 2, result: { content: [{ type: "text", text: "hi" }] } },
  { jsonrpc: "2.0", id: 3, error: { code: -32602, message: "bad", data: { type: "validation" } } },
  { jsonrpc: "2.0", error: { code: -32700, message: "parse error" } },
  { jsonrpc: "2.0", id: 1, result: {}, method: "x" },
  { jsonrpc: "2.0", id: 1, error: { code: 1, message: "x" }, method: "x" },
  { jsonrpc: "2.0", id: 1, result: {}, extra: true },
  { jsonrpc: "1.0", id: 1, result: {} },
  { id: 1, result: {} },
  Object.create({ method: "inherited" }, { jsonrpc: { value: "2.0", enumerable: true } }),
  null,
  undefined,
  "a string",
  42,
  [],
  [{ jsonrpc: "2.0", id: 1, result: {} }],
];

describe("the SDK response guards with the fast path", () => {
  it("installs against the SDK this package depends on", () => {
    expect(installResponseGuardFastPath()).toBe(true);
    expect(installResponseGuardFastPath()).toBe(true);
  });

  it("give the answer of the schemas' own parse for every message", () => {
    installResponseGuardFastPath();
    for (const m of messages) {
      expect(isJSONRPCResultResponse(m), JSON.stringify(m)).toBe(
        z4.safeParse(JSONRPCResultResponseSchema, m).success,
      );
      expect(isJSONRPCErrorResponse(m), JSON.stringify(m)).toBe(
        z4.safeParse(JSONRPCErrorResponseSchema, m).success,
      );
    }
  });

  it("still explain a rejected request with the schema's own issues", () => {
    installResponseGuardFastPath();
    const request = { jsonrpc: "2.0", id: 7, method: "tools/list" };
    const fast = JSONRPCResultResponseSchema.safeParse(request);
    const slow = z4.safeParse(JSONRPCResultResponseSchema, request);
    expect(fast.success).toBe(false);
    expect(fast.error?.issues).toEqual(slow.error?.issues);
  });
});
