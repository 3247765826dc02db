/**
 * Every string a tool accepts has a maximum length. A field that declares none gets DEFAULT_MAX_STRING,
 * applied when the tool is defined (`defineTool`), so it is enforced by validation and advertised as
 * `maxLength` in the tool's JSON Schema like an explicit one. A megabyte-long name can then never reach a
 * handler, an upstream service or an error message.
 */
import { z } from "zod";

export const DEFAULT_MAX_STRING = 65_536;

type AnyZod = z.ZodTypeAny;

/** A copy of `schema` in which every string without a maximum gets `max`. */
export function boundStrings<T extends AnyZod>(schema: T, max = DEFAULT_MAX_STRING): T {
  return bound(schema, max) as T;
}

function bound(schema: AnyZod, max: number): AnyZod {
  const def = schema._def as Record<string, unknown> & { typeName?: string };
  switch (def.typeName) {
    case z.ZodFirstPartyTypeKind.ZodString: {
      const s = schema as z.ZodString;
      return s.maxLength === null ? s.max(max) : s;
    }
    case z.ZodFirstPartyTypeKind.ZodOptional:
    case z.ZodFirstPartyTypeKind.ZodNullable:
    case z.ZodFirstPartyTypeKind.ZodDefault:
    case z.ZodFirstPartyTypeKind.ZodCatch:
    case z.ZodFirstPartyTypeKind.ZodBranded:
    case z.ZodFirstPartyTypeKind.ZodReadonly: {
      const key = def.typeName === z.ZodFirstPartyTypeKind.ZodBranded ? "type" : "innerType";
      const inner = def[key] as AnyZod;
      const next = bound(inner, max);
      return next === inner ? schema : rebuild(schema, { ...def, [key]: next });
    }
    case z.ZodFirstPartyTypeKind.ZodArray: {
      const inner = def["type"] as AnyZod;
      const next = bound(inner, max);
      return next === inner ? schema : rebuild(schema, { ...def, type: next });
    }
    case z.ZodFirstPartyTypeKind.ZodEffects: {
      const inner = def["schema"] as AnyZod;
      const next = bound(inner, max);
      return next === inner ? schema : rebuild(schema, { ...def, schema: next });
    }
    case z.ZodFirstPartyTypeKind.ZodRecord: {
      const inner = def["valueType"] as AnyZod;
      const next = bound(inner, max);
      return next === inner ? schema : rebuild(schema, { ...def, valueType: next });
    }
    case z.ZodFirstPartyTypeKind.ZodUnion: {
      const options = def["options"] as AnyZod[];
      const next = options.map((o) => bound(o, max));
      return next.every((o, i) => o === options[i]) ? schema : rebuild(schema, { ...def, options: next });
    }
    case z.ZodFirstPartyTypeKind.ZodObject: {
      const obj = schema as z.ZodObject<z.ZodRawShape>;
      const shape = obj.shape;
      let changed = false;
      const next: z.ZodRawShape = {};
      for (const [k, v] of Object.entries(shape)) {
        next[k] = bound(v, max);
        if (next[k] !== v) changed = true;
      }
      const catchall = def["catchall"] as AnyZod;
      const nextCatchall = bound(catchall, max);
      if (!changed && nextCatchall === catchall) return schema;
      return rebuild(schema, { ...def, shape: () => next, catchall: nextCatchall });
    }
    default:
      return schema;
  }
}

/** The same kind of schema with another definition (descriptions, defaults and checks are in `def`). */
function rebuild(schema: AnyZod, def: Record<string, unknown>): AnyZod {
  const Ctor = schema.constructor as new (d: unknown) => AnyZod;
  return new Ctor(def);
}
