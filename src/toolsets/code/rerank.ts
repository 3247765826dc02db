/**
 * Optional re-ranking of search results by a model: the model reads the outlines (definitions and their
 * line ranges) of the best candidate files and orders them for the query — the step the strongest
 * published localizers add after retrieval. Off unless asked for (REPOWRIGHT_CODE_RERANK or the tool's
 * `rerank` input) and a model is configured.
 *
 * The model only orders: it names candidates by number, never invents paths, and candidates it leaves out
 * keep their retrieval order after the ones it named. When the call fails or the answer cannot be read, the
 * retrieval order stands and the reason is reported, so a search never fails because of the re-ranker.
 */
import type { Model } from "../../llm/models.js";
import type { SearchHit } from "./search.js";

export interface OutlineEntry {
  kind: string;
  symbol: string;
  startLine: number;
  endLine: number;
}

export interface RerankOutcome {
  /** Paths, best first: the model's order, then the candidates it did not name. */
  order: string[];
  /** "model" when the model's answer was used, "retrieval" when the retrieval order stands. */
  by: "model" | "retrieval";
  /** Why the retrieval order stands. */
  reason?: string;
}

/** Longest query text sent to the model; the rest of a very long issue adds cost, not signal. */
const MAX_QUERY_CHARS = 6_000;
const MAX_OUTLINE_LINES = 40;

/** One file's outline as the model reads it: its definitions with line ranges, in file order. */
export function fileOutline(entries: readonly OutlineEntry[], maxLines = MAX_OUTLINE_LINES): string {
  const defs = entries.filter((e) => e.symbol !== "");
  const shown = defs.slice(0, maxLines).map((e) => `    ${e.kind} ${e.symbol} (${e.startLine}-${e.endLine})`);
  if (defs.length > maxLines) shown.push(`    … ${defs.length - maxLines} more definitions`);
  if (shown.length === 0) {
    const last = entries.reduce((n, e) => Math.max(n, e.endLine), 0);
    shown.push(`    (no named definitions; ${last} lines)`);
  }
  return shown.join("\n");
}

/** The prompt: the query, then numbered candidates with their outlines. */
export function rerankPrompt(
  query: string,
  candidates: readonly { path: string; outline: string }[],
): string {
  const q = query.length > MAX_QUERY_CHARS ? `${query.slice(0, MAX_QUERY_CHARS)}\n[…]` : query;
  const list = candidates.map((c, i) => `[${i + 1}] ${c.path}\n${c.outline}`).join("\n");
  return `A developer searches a repository with this query (it may be a whole issue):\n<query>\n${q}\n</query>\n\nCandidate files, each with an outline of its definitions:\n${list}\n\nOrder the candidates by how likely the file must be read or changed to answer the query: the implementation first, then what only uses, tests or documents it. Answer with one JSON object and nothing else: {"order": [candidate numbers, most relevant first]}.`;
}

/** The candidate indexes (0-based) a model answer names, in its order; undefined when it names none. */
export function parseOrder(text: string, count: number): number[] | undefined {
  const m = /\{[\s\S]*\}/.exec(text);
  if (!m) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(m[0]);
  } catch {
    return undefined;
  }
  const raw = (parsed as { order?: unknown }).order;
  if (!Array.isArray(raw)) return undefined;
  const seen = new Set<number>();
  for (const v of raw) {
    const n = typeof v === "number" ? v : typeof v === "string" ? Number(v) : Number.NaN;
    if (Number.isInteger(n) && n >= 1 && n <= count) seen.add(n - 1);
  }
  return seen.size > 0 ? [...seen] : undefined;
}

/** Orders candidate files with the model; the retrieval order when it cannot. */
export async function rerankFiles(
  model: Model,
  query: string,
  candidates: readonly { path: string; outline: string }[],
  signal?: AbortSignal,
): Promise<RerankOutcome> {
  const retrieval = candidates.map((c) => c.path);
  if (candidates.length < 2)
    return { order: retrieval, by: "retrieval", reason: "fewer than two candidates" };
  let text: string;
  try {
    const res = await model.complete(
      {
        messages: [{ role: "user", content: [{ type: "text", text: rerankPrompt(query, candidates) }] }],
        maxTokens: 400,
        temperature: 0,
      },
      signal ? { signal } : {},
    );
    text = res.content.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("");
  } catch (err) {
    if (signal?.aborted) throw err;
    return { order: retrieval, by: "retrieval", reason: `model call failed: ${(err as Error).message}` };
  }
  const picked = parseOrder(text, candidates.length);
  if (!picked) return { order: retrieval, by: "retrieval", reason: "the model's answer named no candidate" };
  const rest = retrieval.filter((_, i) => !picked.includes(i));
  return { order: [...picked.map((i) => retrieval[i]!), ...rest], by: "model" };
}

/**
 * Hits in the re-ranked file order: files the model ordered first, each file's hits kept together in their
 * retrieval order, hits of files beyond the candidates after them unchanged.
 */
export function applyFileOrder(hits: readonly SearchHit[], order: readonly string[]): SearchHit[] {
  const rank = new Map(order.map((p, i) => [p, i]));
  const head = hits.filter((h) => rank.has(h.path));
  const tail = hits.filter((h) => !rank.has(h.path));
  const position = new Map(hits.map((h, i) => [h, i]));
  head.sort((a, b) => rank.get(a.path)! - rank.get(b.path)! || position.get(a)! - position.get(b)!);
  return [...head, ...tail];
}
