/**
 * Expressions in flow files: `${...}` holds a CEL expression (Common Expression Language, through
 * @marcbachmann/cel-js): side-effect free, not Turing complete, no access to JavaScript objects beyond
 * the data it is given. A string that is exactly one `${expr}` takes the expression's value (a list, a
 * number, an object); any other string with `${...}` in it is text with the values spliced in.
 *
 * CEL's integers are 64-bit (BigInt in JavaScript): the data going in has its whole numbers turned into
 * BigInt and the values coming out have them turned back into numbers, so flows see JSON either way.
 */
import { parse } from "@marcbachmann/cel-js";

const TEMPLATE = /\$\{((?:[^{}]|\{[^{}]*\})*)\}/g;

/** Names an expression may not use, whatever CEL would make of them: they suggest an escape attempt. */
export const FORBIDDEN_NAMES = new Set([
  "constructor",
  "__proto__",
  "prototype",
  "process",
  "globalThis",
  "global",
  "window",
  "require",
  "import",
  "eval",
  "Function",
  "this",
]);

export interface ExpressionRef {
  /** The expression's text (without `${}`). */
  source: string;
  /** Top-level identifiers it reads (`inputs`, a node id, a loop variable). */
  roots: string[];
  /** Every identifier and field name it names. */
  names: string[];
}

/** The `${...}` expressions in a string (none when it has none). */
export function expressionsIn(text: string): string[] {
  return [...text.matchAll(TEMPLATE)].map((m) => (m[1] as string).trim());
}

type Ast = { op: string; args: unknown };

/** Parses one expression and says which names it uses; throws with CEL's message when it does not parse. */
export function inspectExpression(source: string): ExpressionRef {
  const compiled = parse(source) as unknown as { ast: Ast };
  const roots = new Set<string>();
  const names = new Set<string>();
  const bound = new Set<string>();
  const walk = (node: unknown): void => {
    if (!node || typeof node !== "object") return;
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    const n = node as Ast;
    if (n.op === "id" && typeof n.args === "string") {
      names.add(n.args);
      if (!bound.has(n.args)) roots.add(n.args);
      return;
    }
    if ((n.op === "." || n.op === ".?") && Array.isArray(n.args)) {
      walk(n.args[0]);
      if (typeof n.args[1] === "string") names.add(n.args[1]);
      return;
    }
    if (n.op === "rcall" && Array.isArray(n.args)) {
      // Macros (map, filter, all, exists) bind their first argument: `x.map(i, i * 2)`.
      const [fn, target, args] = n.args as [string, unknown, unknown[]];
      if (["map", "filter", "all", "exists", "exists_one"].includes(fn) && Array.isArray(args)) {
        const v = args[0] as Ast | undefined;
        if (v?.op === "id" && typeof v.args === "string") bound.add(v.args);
        walk(target);
        for (const a of args.slice(1)) walk(a);
        return;
      }
      walk(target);
      walk(args);
      return;
    }
    walk(n.args);
  };
  walk(compiled.ast);
  return { source, roots: [...roots], names: [...names] };
}

/** JSON-ish data as CEL wants it: whole numbers as BigInt, plain objects without a prototype. */
export function toCel(value: unknown): unknown {
  if (typeof value === "number") return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCel);
  if (value && typeof value === "object") {
    const out = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(value)) out[k] = toCel(v);
    return out;
  }
  return value;
}

/** CEL values back as JSON: BigInt to numbers, maps to plain objects. */
export function fromCel(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(fromCel);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), fromCel(v)]));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = fromCel(v);
    return out;
  }
  return value;
}

const cache = new Map<string, (ctx: unknown) => unknown>();

export function evaluateExpression(source: string, context: Record<string, unknown>): unknown {
  let fn = cache.get(source);
  if (!fn) {
    fn = parse(source) as unknown as (ctx: unknown) => unknown;
    if (cache.size > 1000) cache.clear();
    cache.set(source, fn);
  }
  return fromCel(fn(toCel(context)));
}

/**
 * Resolves the templates in a value (strings, and strings inside arrays and objects): `"${x}"` is x's
 * value, `"a ${x} b"` is text.
 */
export function resolveTemplates(value: unknown, context: Record<string, unknown>): unknown {
  if (typeof value === "string") {
    const whole = /^\$\{((?:[^{}]|\{[^{}]*\})*)\}$/.exec(value.trim());
    if (whole) return evaluateExpression((whole[1] as string).trim(), context);
    if (!value.includes("${")) return value;
    return value.replace(TEMPLATE, (_, expr: string) => {
      const v = evaluateExpression(expr.trim(), context);
      return typeof v === "string" ? v : JSON.stringify(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => resolveTemplates(v, context));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolveTemplates(v, context);
    return out;
  }
  return value;
}

/** A condition: an expression (with or without `${}`) that must be true. */
export function evaluateCondition(text: string, context: Record<string, unknown>): boolean {
  const whole = /^\$\{(.*)\}$/s.exec(text.trim());
  return evaluateExpression(whole ? (whole[1] as string) : text, context) === true;
}
