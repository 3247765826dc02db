/**
 * From the candidate lines to a verdict: which category, which lines prove it, what to do.
 *
 * A line's score is its signature's weight (decisive > summary > context), cut to a fifth for
 * warning-level lines, plus where it is: in the step that failed (+6), after it (-4, cleanup steps), or,
 * without steps, within the few hundred lines above the exit-code line (+3). A category's score is its
 * best line's plus a small tie-break for causes that explain others (a network failure explains the
 * test failures after it). Errors outrank warnings: a category with only warning-level lines wins only
 * when the log has no error-level line at all.
 */
import type { ExitEvent, Structure } from "./structure.js";
import {
  ACTIONS,
  type Category,
  type CitedLine,
  type Diagnosis,
  type Facts,
  INFRASTRUCTURE,
  type Signature,
} from "./types.js";

export interface CompiledSignature {
  sig: Signature;
  needles: readonly string[];
  weight: number;
}

export interface Hit {
  line: number;
  text: string;
  step: number;
  sig: CompiledSignature;
  groups: Readonly<Record<string, string>>;
  /** Extra weight: a line that a summary points at (`* What went wrong:` and the line after it). */
  bonus: number;
  /** Set when the line turned out to be a step header's (the workflow's text, not the tool's). */
  dropped?: boolean;
}

/** The last lines of a failed step, kept for a failure no signature recognises. */
export interface ExitTail {
  exit: ExitEvent;
  tail: { line: number; text: string }[];
}

export const ROLE_WEIGHT = { decisive: 10, summary: 6, context: 2, noise: 100 } as const;
export const MAX_CITED = 6;

/** Causes that explain the failures downstream of them win ties. */
const CAUSE_BONUS: Partial<Record<Category, number>> = {
  infrastructure: 3,
  timeout: 3,
  cancelled: 2,
  out_of_memory: 3,
  configuration: 1,
  lockfile: 2,
  dependency: 1.5,
  compilation: 0.5,
};

const SEVERITY_FACTOR = 0.2;
/** Without steps: how far above the exit-code line a line still counts as "just before the failure". */
const NEAR_EXIT = 300;

function location(hit: Hit, structure: Structure): number {
  if (structure.failed.size > 0 && structure.step > 0) {
    if (structure.failed.has(hit.step)) return 6;
    const lastFailed = Math.max(...structure.failed.keys());
    return hit.step > lastFailed ? -4 : 0;
  }
  const exits = structure.exits;
  if (exits.length === 0) return 0;
  if (exits.some((e) => hit.line <= e.line && e.line - hit.line <= NEAR_EXIT)) return 3;
  return hit.line > exits.at(-1)!.line ? -2 : 0;
}

export function scoreOf(hit: Hit, structure: Structure): number {
  const warn = hit.sig.sig.severity === "warning";
  return (hit.sig.weight + hit.bonus) * (warn ? SEVERITY_FACTOR : 1) + location(hit, structure);
}

interface Scored {
  hit: Hit;
  score: number;
}

export function decide(hits: Hit[], structure: Structure, tails: ExitTail[]): Diagnosis {
  const scored: Scored[] = hits.map((hit) => ({ hit, score: scoreOf(hit, structure) }));
  const byCategory = new Map<Category, Scored[]>();
  for (const s of scored) {
    const c = s.hit.sig.sig.category;
    const list = byCategory.get(c) ?? [];
    list.push(s);
    byCategory.set(c, list);
  }
  const isError = (s: Scored) => s.hit.sig.sig.severity !== "warning";
  const anyError = scored.some(isError);
  let best: { category: Category; score: number } | undefined;
  for (const [category, list] of byCategory) {
    if (category === "unknown") continue;
    const errors = list.filter(isError);
    // Errors outrank warnings: a warning-only category decides only when nothing says error.
    const pool = errors.length > 0 ? errors : anyError ? [] : list;
    if (pool.length === 0) continue;
    const top = Math.max(...pool.map((s) => s.score));
    // A context line alone (a lifecycle footer) is not enough to name a category.
    if (Math.max(...pool.map((s) => s.hit.sig.weight)) < ROLE_WEIGHT.summary - 2) continue;
    const score = top + (CAUSE_BONUS[category] ?? 0);
    if (!best || score > best.score) best = { category, score };
  }
  const failedStep = [...structure.failed.values()].find((n) => n !== undefined);
  const exitCode = structure.exits.find((e) => e.code !== undefined)?.code;
  const stepPart = failedStep ? { step: failedStep } : {};
  if (!best) return unknownVerdict(byCategory.get("unknown") ?? [], tails, stepPart, exitCode);

  const category = best.category;
  const cited = pick(byCategory.get(category)!, category);
  const top = cited[0]!;
  const facts = factsOf(cited, exitCode);
  const fix = cited.map((s) => s.hit.sig.sig.fix).find((f) => f !== undefined);
  const severity = cited.some(isError) ? "error" : "warning";
  return {
    category,
    infrastructure: INFRASTRUCTURE.has(category),
    action: ACTIONS[category],
    severity,
    confidence: Math.min(1, Math.max(0.3, best.score / 18)),
    cause: render(top.hit.sig.sig.cause, mergedGroups(cited)),
    ...(fix ? { fix } : {}),
    ...stepPart,
    facts,
    lines: inLineOrder(cited),
  };
}

/** The best lines first: highest score, then the earlier line (the first error is usually the cause). */
function pick(list: Scored[], category: Category): Scored[] {
  const seen = new Set<number>();
  const sorted = [...list].sort((a, b) => b.score - a.score || a.hit.line - b.hit.line);
  const out: Scored[] = [];
  const errorsFirst = sorted.some((s) => s.hit.sig.sig.severity !== "warning");
  for (const s of sorted) {
    if (seen.has(s.hit.line)) continue;
    // Context lines are cited for a named category only while nothing better fills the slots.
    if (category !== "unknown" && s.hit.sig.sig.role === "context" && out.length >= 2) continue;
    if (errorsFirst && s.hit.sig.sig.severity === "warning" && out.length >= 3) continue;
    seen.add(s.hit.line);
    out.push(s);
    if (out.length === MAX_CITED) break;
  }
  return out;
}

function unknownVerdict(
  generic: Scored[],
  tails: ExitTail[],
  stepPart: { step?: string },
  exitCode: number | undefined,
): Diagnosis {
  let lines: CitedLine[];
  let facts: Facts = exitCode === undefined ? {} : { exit_code: exitCode };
  let cause = "no known failure signature in the log";
  const strong = generic.filter((s) => s.score >= ROLE_WEIGHT.context + 3 || s.hit.sig.weight > 2);
  const pool = strong.length > 0 ? strong : generic;
  if (pool.length > 0) {
    const cited = pick(pool, "unknown");
    lines = inLineOrder(cited);
    facts = factsOf(cited, exitCode);
    // A generic signature (a Maven goal, an uncaught exception) still says what failed, if not why.
    const top = cited[0]!.hit.sig.sig;
    if (top.role !== "context") cause = render(top.cause, mergedGroups(cited));
  } else {
    // No line says anything recognisable: what the failed step printed last is the best evidence.
    // Nothing recognisable: what the failed step printed last, and the CI's exit line under it.
    const first = tails[0];
    const tail = (first?.tail ?? [])
      .slice(-(MAX_CITED - 1))
      .map((t) => ({ ...t, signature: "structure.tail" }));
    lines = first
      ? [...tail, { line: first.exit.line, text: first.exit.text, signature: "structure.exit" }]
      : tail;
  }
  return {
    category: "unknown",
    infrastructure: false,
    action: "ask",
    severity: "error",
    confidence: 0.1,
    cause,
    ...stepPart,
    facts,
    lines,
  };
}

function inLineOrder(cited: Scored[]): CitedLine[] {
  return cited
    .map((s) => ({ line: s.hit.line, text: s.hit.text, signature: s.hit.sig.sig.id }))
    .sort((a, b) => a.line - b.line);
}

/** The named groups of all cited lines, the best line's first: one line names the code, the next the package. */
function mergedGroups(cited: Scored[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { hit } of cited) for (const [k, v] of Object.entries(hit.groups)) out[k] ??= v;
  return out;
}

const LIST_FACTS = 5;

function factsOf(cited: Scored[], exitCode: number | undefined): Facts {
  const facts: Facts = {};
  const tests: string[] = [];
  const files: string[] = [];
  for (const { hit } of cited) {
    const g = hit.groups;
    const tool = g["tool"] ?? hit.sig.sig.tool;
    if (tool && !facts.tool) facts.tool = tool;
    for (const k of ["plugin", "package", "version", "code"] as const) {
      if (g[k] && !facts[k]) facts[k] = g[k];
    }
    if (g["test"] && !tests.includes(g["test"]) && tests.length < LIST_FACTS) tests.push(g["test"]);
    if (g["file"]) {
      const where = g["line"] ? `${g["file"]}:${g["line"]}` : g["file"];
      if (!files.includes(where) && files.length < LIST_FACTS) files.push(where);
      if (!facts.file) {
        facts.file = g["file"];
        if (g["line"]) facts.line = Number(g["line"]);
      }
    }
  }
  if (tests.length > 0) {
    facts.test = tests[0]!;
    if (tests.length > 1) facts.tests = tests;
  }
  if (files.length > 1) facts.files = files;
  if (exitCode !== undefined) facts.exit_code = exitCode;
  return facts;
}

/** `{group}` replaced by the match's named group (or removed with its surrounding parentheses). */
export function render(template: string, groups: Readonly<Record<string, string>>): string {
  return template
    .replace(/ ?\(\{(\w+)\}\)/g, (_all, k: string) => (groups[k] ? ` (${groups[k]})` : ""))
    .replace(/\{(\w+)\}/g, (_all, k: string) => groups[k] ?? "?");
}
