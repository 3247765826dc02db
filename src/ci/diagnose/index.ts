/**
 * Why a CI job failed, from its log: a category, the lines that prove it, the facts in them (tool,
 * package, test, file:line) and what to do (fix, rerun, ask).
 *
 * Three stages, each in its own module: normalise each line (normalize.ts: colour codes, timestamps and
 * the CI's own markers removed), follow the log's structure (structure.ts: steps, exit-code lines, the
 * failing step), recognise lines by the ecosystems' signatures (signatures/, data), then rank
 * (rank.ts). Pure: no I/O. Lines are pushed one at a time and the state kept is bounded (a few hits
 * per signature, the last lines of the current step), so a 500 MB log costs the same memory as a small
 * one; `diagnoseLog` is the convenience for a log already in memory.
 */
import { normalizeLine, splitLines } from "./normalize.js";
import { type CompiledSignature, decide, type ExitTail, type Hit, ROLE_WEIGHT } from "./rank.js";
import { SIGNATURES } from "./signatures/index.js";
import { Structure } from "./structure.js";
import type { Diagnosis, Signature } from "./types.js";

export { normalizeLine, normalizeLog, splitLines } from "./normalize.js";
export { SIGNATURES } from "./signatures/index.js";
export * from "./types.js";

/**
 * Signatures tried most specific first (the first one that matches a line names it), behind one
 * regular expression of all their needles: a line is lower-cased and scanned once, and only the
 * signatures whose needle occurs in it run their pattern. Most lines of a log match no needle at all.
 */
export interface Catalogue {
  signatures: readonly CompiledSignature[];
  needles: RegExp;
  /** For each needle: the signatures (indices, heaviest first) needing it or a needle inside it. */
  byNeedle: ReadonlyMap<string, readonly number[]>;
}

export function compile(signatures: readonly Signature[]): Catalogue {
  const compiled = signatures
    .map((sig) => ({
      sig,
      needles: (typeof sig.needle === "string" ? [sig.needle] : [...sig.needle]).map((n) => n.toLowerCase()),
      weight: sig.weight ?? ROLE_WEIGHT[sig.role],
    }))
    .sort((a, b) => b.weight - a.weight);
  const unique = [...new Set(compiled.flatMap((c) => c.needles))].sort((a, b) => b.length - a.length);
  const byNeedle = new Map<string, number[]>();
  for (const n of unique) {
    // The scan reports the longest needle at a position: it stands for the needles inside it too.
    const inside = unique.filter((m) => n.includes(m));
    const sigs = compiled.flatMap((c, i) => (c.needles.some((m) => inside.includes(m)) ? [i] : []));
    byNeedle.set(n, sigs);
  }
  const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return { signatures: compiled, needles: new RegExp(unique.map(literal).join("|"), "g"), byNeedle };
}

const COMPILED = compile(SIGNATURES);

interface Match {
  sig: CompiledSignature;
  groups: Record<string, string>;
}

/** The heaviest signature recognising a normalised, trimmed line. */
function matchText(text: string, catalogue: Catalogue): Match | undefined {
  const lower = text.toLowerCase();
  const scan = catalogue.needles;
  scan.lastIndex = 0;
  let candidates: number[] | undefined;
  for (let m = scan.exec(lower); m !== null; m = scan.exec(lower)) {
    const sigs = catalogue.byNeedle.get(m[0])!;
    candidates = candidates ? [...candidates, ...sigs] : [...sigs];
    // Needles may overlap: look again from the next character, not after this match.
    scan.lastIndex = m.index + 1;
  }
  if (!candidates) return undefined;
  candidates.sort((a, b) => a - b);
  let last = -1;
  for (const i of candidates) {
    if (i === last) continue;
    last = i;
    const c = catalogue.signatures[i]!;
    const m = c.sig.pattern.exec(text);
    if (m) return { sig: c, groups: { ...m.groups } as Record<string, string> };
  }
  return undefined;
}

/** Which signature recognises one raw line, and the facts it captures (for tests and tooling). */
export function recognise(raw: string): { id: string; facts: Record<string, string> } | undefined {
  const m = matchText(normalizeLine(raw).text.trim(), COMPILED);
  return m && { id: m.sig.sig.id, facts: factGroups(m.groups) };
}

/** Kept per signature: its first few hits (the first error is often the cause) and its last few. */
const FIRST = 3;
const LAST = 6;
/** Non-blank lines remembered at the end of the current step, for failures nothing recognises. */
const TAIL = 8;
const MAX_TEXT = 300;
const MAX_HEADER_HITS = 32;

class Pool {
  readonly first: Hit[] = [];
  readonly last: Hit[] = [];
  private next = 0;
  add(hit: Hit): void {
    if (this.first.length < FIRST) {
      this.first.push(hit);
      return;
    }
    if (this.last.length < LAST) this.last.push(hit);
    else this.last[this.next] = hit;
    this.next = (this.next + 1) % LAST;
  }
  all(): Hit[] {
    return [...this.first, ...this.last];
  }
}

export class LogDiagnoser {
  private n = 0;
  private readonly structure = new Structure();
  private readonly global = new Map<string, Pool>();
  private stepPools = new Map<string, Pool>();
  private readonly frozen: Hit[] = [];
  private tail: { line: number; text: string }[] = [];
  private readonly tails: ExitTail[] = [];
  /** A summary that points at the lines after it: how many more to take, and its weight. */
  private pointer: { sig: CompiledSignature; left: number } | undefined;
  /** Hits inside an open step header (bounded: a header longer than this is not one). */
  private header: Hit[] | undefined;

  constructor(private readonly signatures: Catalogue = COMPILED) {}

  /** Reads the next raw line of the log (without its line break). */
  push(raw: string): void {
    this.n += 1;
    const normal = normalizeLine(raw);
    const { exit, newStep } = this.structure.observe(this.n, normal);
    if (newStep) this.endStep();
    // A GitHub step header (`##[group]Run npm test`, the command, its shell and env, `##[endgroup]`)
    // is the workflow's text, not the tool's output: `run: make || echo error` proves nothing. Known
    // only once `##[endgroup]` comes: until then its lines count, and are dropped when it does.
    if (normal.marker?.kind === "step") this.header = /^Run /.test(normal.marker.name) ? [] : undefined;
    else if (normal.marker?.kind === "end-step" && this.header) {
      for (const h of this.header) h.dropped = true;
      this.header = undefined;
      this.tail = [];
    }
    if (exit) {
      this.tails.push({ exit, tail: this.tail });
      if (this.tails.length > 16) this.tails.shift();
      return;
    }
    const text = normal.text.trim();
    if (text === "") return;
    this.tail.push({ line: this.n, text: text.slice(0, MAX_TEXT) });
    if (this.tail.length > TAIL) this.tail = this.tail.slice(-TAIL);
    const pointer = this.pointer;
    if (pointer) pointer.left -= 1;
    if (pointer && pointer.left <= 0) this.pointer = undefined;
    const matched = this.match(text);
    if (matched) {
      if (matched.sig.sig.role === "noise") return;
      this.record(matched.sig, matched.groups, text, pointer ? 2 : 0);
      if (matched.sig.sig.next) this.pointer = { sig: matched.sig, left: matched.sig.sig.next + 1 };
    } else if (pointer) {
      // The line a summary points at is evidence of the summary's category even if nothing names it.
      this.record(pointer.sig, {}, text, ROLE_WEIGHT.decisive - pointer.sig.weight);
    }
  }

  /** The verdict on everything pushed so far. */
  finish(): Diagnosis {
    const hits = new Map<number, Hit>();
    const add = (h: Hit) => {
      const had = hits.get(h.line);
      if (h.dropped) return;
      if (!had || had.sig.weight + had.bonus < h.sig.weight + h.bonus) hits.set(h.line, h);
    };
    for (const pool of this.global.values()) pool.all().forEach(add);
    this.frozen.forEach(add);
    for (const pool of this.stepPools.values()) pool.all().forEach(add);
    return decide([...hits.values()], this.structure, this.tails);
  }

  private match(text: string): Match | undefined {
    return matchText(text, this.signatures);
  }

  private record(sig: CompiledSignature, groups: Record<string, string>, text: string, bonus: number): void {
    const hit: Hit = {
      line: this.n,
      text: text.slice(0, MAX_TEXT),
      step: this.structure.step,
      sig,
      groups: factGroups(groups),
      bonus,
    };
    if (this.header) {
      if (this.header.length < MAX_HEADER_HITS) this.header.push(hit);
      else this.header = undefined;
    }
    for (const pools of [this.global, this.stepPools]) {
      let pool = pools.get(sig.sig.id);
      if (!pool) {
        pool = new Pool();
        pools.set(sig.sig.id, pool);
      }
      pool.add(hit);
    }
  }

  /** A step ended: keep its hits if it failed (bounded by the number of failed steps remembered). */
  private endStep(): void {
    const previous = this.structure.step - 1;
    if (this.structure.failed.has(previous)) {
      for (const pool of this.stepPools.values()) this.frozen.push(...pool.all());
    }
    this.stepPools = new Map();
    this.tail = [];
    this.pointer = undefined;
  }
}

/**
 * A pattern may capture the same fact in several alternatives (`package`, `package2`): JavaScript
 * forbids duplicate group names, so a trailing digit marks an alias of the plain name.
 */
function factGroups(groups: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(groups)) {
    if (v === undefined) continue;
    const name = k.replace(/\d+$/, "");
    out[name] ??= v;
  }
  return out;
}

/** The diagnosis of a whole log held in memory. */
export function diagnoseLog(log: string): Diagnosis {
  const d = new LogDiagnoser();
  for (const line of splitLines(log)) d.push(line);
  return d.finish();
}

/** The diagnosis of lines from any iterable (a file read line by line, a generator). */
export function diagnoseLines(lines: Iterable<string>): Diagnosis {
  const d = new LogDiagnoser();
  for (const line of lines) d.push(line);
  return d.finish();
}
