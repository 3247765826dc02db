/**
 * Weighted index terms of one chunk (what the lexical index stores per chunk), and the token counts of the
 * text embedders see (what the LSI model trains on and embeds). Lives in src/code/ so the chunking workers
 * (chunk-pool.ts) compute both next to the chunks, off the main thread, each chunk scanned once per use.
 */
import { countTokens, pathTokens, termCounts } from "./tokenize.js";

export const SYMBOL_WEIGHT = 4;
export const PATH_WEIGHT = 2;
export const IMPORT_WEIGHT = 0.25;

/** Lines that only bring names in (`import`, `from x import`, `require`, `#include`, `use`, re-exports). */
export const IMPORT_LINE =
  /^\s*(import\b|from\s+[\w.]+\s+import\b|export\s+(\*|\{[^}]*\})\s+from\b|#include\b|use\s+[\w:]+|(const|let|var)\s+[\w{}\s,]+=\s*require\()/;

/**
 * Weighted terms of one chunk: code and context, plus its symbol and its file's path as boosted fields.
 * Import lines count a quarter: they name what the file uses, not what it does.
 */
export function chunkTerms(path: string, c: { context: string; text: string; symbol: string }) {
  return termsOf(path, c, false).terms;
}

/**
 * `chunkTerms` and `embeddingCounts` of one chunk together. When the chunk has no import line and its
 * embedding text is not cut, the embedding counts are the terms counted so far (context, then code, all
 * at weight 1) before the symbol and path are added: they are copied instead of scanned again.
 */
export function chunkTermsAndCounts(
  path: string,
  c: { context: string; text: string; symbol: string },
): { terms: Map<string, number>; counts: Map<string, number> } {
  const { terms, counts } = termsOf(path, c, true);
  return { terms, counts: counts ?? embeddingCounts(c) };
}

function termsOf(
  path: string,
  c: { context: string; text: string; symbol: string },
  wantCounts: boolean,
): { terms: Map<string, number>; counts?: Map<string, number> } {
  let body = c.text;
  let imports = "";
  if (/\b(import|require|include|use)\b/.test(body)) {
    const kept: string[] = [];
    const brought: string[] = [];
    let open = false;
    for (const line of body.split("\n")) {
      // A multi-line `import { a,\n b }` continues until its closing brace or parenthesis.
      if (open || IMPORT_LINE.test(line)) {
        brought.push(line);
        open = /[{(]/.test(line) ? !/[})]/.test(line) : open && !/[})]/.test(line);
      } else kept.push(line);
    }
    if (brought.length) {
      body = kept.join("\n");
      imports = brought.join("\n");
    }
  }
  // Counting the context, then a newline (no token), then the body is counting `${context}\n${body}`.
  const terms = countTokens(c.context);
  countTokens(body, terms);
  // Nothing was moved out of the body and nothing would be cut: the counts so far are the embedding text's.
  const counts =
    wantCounts && !imports && c.context.length + 1 + c.text.length <= EMBEDDING_MAX_CHARS
      ? new Map(terms)
      : undefined;
  if (imports) countTokens(imports, terms, IMPORT_WEIGHT);
  if (c.symbol) countTokens(c.symbol, terms, SYMBOL_WEIGHT);
  termCounts(pathTokens(path), terms, PATH_WEIGHT);
  return { terms, counts };
}

/** Embedders read at most this many characters of a chunk (context, newline, code). */
export const EMBEDDING_MAX_CHARS = 4000;

/** Text of a chunk as embedders see it: context (path, enclosing signatures, docstring) then code. */
export function embeddingText(
  chunk: { context: string; text: string },
  maxChars = EMBEDDING_MAX_CHARS,
): string {
  return `${chunk.context}\n${chunk.text}`.slice(0, maxChars);
}

/**
 * Token counts of a chunk's embedding text, in the order each token first appears: what `tokenize` gives,
 * counted (the LSI model's input, see lsi.ts).
 */
export function embeddingCounts(chunk: { context: string; text: string }): Map<string, number> {
  return countTokens(embeddingText(chunk));
}
