/**
 * Validating an emulator's responses against the service's published OpenAPI description: a committed
 * fixture of `{ operations: { "<METHOD> <path> <status>": schema }, components }` (extracted by
 * scripts/extract-*-schemas.ts) compiled with ajv, one validator per operation.
 */
import { readFileSync } from "node:fs";
import { Ajv, type Format } from "ajv";
import addFormatsModule from "ajv-formats";

type Obj = Record<string, unknown>;

/** OpenAPI 3.0 puts `nullable` next to allOf/anyOf/$ref without a type; JSON Schema needs an explicit null. */
export function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== "object") return node;
  const o: Obj = {};
  for (const [k, v] of Object.entries(node))
    o[k] =
      k === "properties" || k === "patternProperties"
        ? Object.fromEntries(Object.entries(v as Obj).map(([p, s]) => [p, toJsonSchema(s)]))
        : toJsonSchema(v);
  if (o["nullable"] === true && Array.isArray(o["enum"]) && !o["enum"].includes(null))
    o["enum"] = [...o["enum"], null];
  if (o["nullable"] === true && !("type" in o)) {
    const { nullable: _n, ...rest } = o;
    return { anyOf: [rest, { type: "null" }] };
  }
  return o;
}

export interface OpenApiFixture {
  operations: Record<string, Obj>;
  /** ajv's error lines for `body` as the response of `op` (empty when it conforms). */
  errors(op: string, body: unknown): string[];
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Loads a fixture; `formats` replaces ajv-formats' checks where the service is laxer than the RFC. */
export function loadOpenApiFixture(file: URL, formats: Record<string, Format> = {}): OpenApiFixture {
  const fixture = JSON.parse(readFileSync(file, "utf8")) as {
    operations: Record<string, Obj>;
    components: Obj;
  };
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  for (const [name, format] of Object.entries(formats)) ajv.addFormat(name, format);
  const validators = new Map<string, ReturnType<Ajv["compile"]>>();
  return {
    operations: fixture.operations,
    errors(op, body) {
      let v = validators.get(op);
      if (!v) {
        const schema = fixture.operations[op];
        if (!schema) throw new Error(`no schema for ${op} in ${file.pathname}`);
        v = ajv.compile(toJsonSchema({ ...schema, components: fixture.components }) as Obj);
        validators.set(op, v);
      }
      return v(body) ? [] : ajv.errorsText(v.errors, { separator: "\n" }).split("\n").slice(0, 10);
    },
  };
}
