import type { z } from "zod";
import { zodToJsonSchema } from "zod-to-json-schema";
import type { Tool } from "./tool.js";

const cache = new WeakMap<object, Record<string, unknown>>();

/** The JSON Schema advertised for a zod object: inline (no $ref), without the draft marker. */
export function jsonSchemaOf(schema: z.ZodTypeAny): Record<string, unknown> {
  let out = cache.get(schema);
  if (!out) {
    out = zodToJsonSchema(schema, { $refStrategy: "none", target: "jsonSchema7" }) as Record<string, unknown>;
    delete out["$schema"];
    if (out["type"] !== "object") out = { type: "object", ...out };
    cache.set(schema, out);
  }
  return out;
}

export function toolInputSchema(tool: Tool): Record<string, unknown> {
  return tool.inputJsonSchema ?? jsonSchemaOf(tool.input);
}

export function toolOutputSchema(tool: Tool): Record<string, unknown> | undefined {
  return tool.output ? jsonSchemaOf(tool.output) : undefined;
}
