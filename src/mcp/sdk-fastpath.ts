/**
 * A cheaper "is this a response?" in the MCP SDK. For every message it receives, the SDK's Protocol (and
 * its Streamable HTTP transport, for every message it sends) first asks `isJSONRPCResultResponse(message)`
 * and `isJSONRPCErrorResponse(message)`, each a zod `safeParse` of a strict schema. For a request or a
 * notification, which is nearly every message a server receives, both parses fail, and a failing zod parse
 * builds a ZodError with localised issue messages: measured at about 55 us of the SDK's ~170 us of server
 * CPU per tools/call over stdio (docs/benchmarks.md), the largest single cost of a call.
 *
 * Both schemas are strict objects (`jsonrpc`, `id`, and `result` or `error`), so any object with its own
 * `method` key fails them whatever else it holds. This gives those two schema instances a `safeParse` that
 * answers such an object at once, with a failure whose `error` is computed by the original parse when
 * someone reads it (nobody in the SDK does; the guards read `.success`), and hands every other value to
 * the original. The answer is the same as before for every input; only the time differs. It is installed
 * once per process, and only after checking that the schemas still reject an object with a `method` key
 * (a future SDK whose schemas are not strict keeps its own parse: slower, still correct).
 */
import { JSONRPCErrorResponseSchema, JSONRPCResultResponseSchema } from "@modelcontextprotocol/sdk/types.js";

type SafeParse = (data: unknown, params?: unknown) => { success: boolean; error?: unknown; data?: unknown };

const PATCHED = Symbol.for("repowright.mcp.response-guard");

/** A message that carries a method is a request or a notification, never a response. */
function hasMethod(data: unknown): boolean {
  return typeof data === "object" && data !== null && Object.hasOwn(data, "method");
}

function install(schema: { safeParse: SafeParse }, sample: unknown): boolean {
  const target = schema as { safeParse: SafeParse; [PATCHED]?: true };
  if (target[PATCHED]) return true;
  const original = target.safeParse;
  if (typeof original !== "function") return false;
  // The shortcut is only true of a strict schema: check that this one rejects a response with a method.
  if (original.call(schema, sample).success) return false;
  target.safeParse = (data, params) => {
    if (!hasMethod(data)) return original.call(schema, data, params);
    return new NotAResponse(() => original.call(schema, data, params).error);
  };
  target[PATCHED] = true;
  return true;
}

/** A failed parse whose error is worked out only if someone reads it. */
class NotAResponse {
  readonly success = false;
  constructor(private readonly explain: () => unknown) {}
  get error(): unknown {
    return this.explain();
  }
}

let installed: boolean | undefined;

/** Installs the shortcut (once); returns whether both guards use it. */
export function installResponseGuardFastPath(): boolean {
  installed ??=
    install(JSONRPCResultResponseSchema as unknown as { safeParse: SafeParse }, {
      jsonrpc: "2.0",
      id: 1,
      result: {},
      method: "x",
    }) &&
    install(JSONRPCErrorResponseSchema as unknown as { safeParse: SafeParse }, {
      jsonrpc: "2.0",
      id: 1,
      error: { code: 1, message: "x" },
      method: "x",
    });
  return installed;
}
