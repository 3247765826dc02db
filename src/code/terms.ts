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
  if (imports) countTokens(imports, terms, IMPORT_WEIGHT);
  if (c.symbol) countTokens(c.symbol, terms, SYMBOL_WEIGHT);
  termCounts(pathTokens(path), terms, PATH_WEIGHT);
  return terms;
}

/** Text of a chunk as embedders see it: context (path, enclosing signatures, docstring) then code. */
export function embeddingText(chunk: { context: string; text: string }, maxChars = 4000): string {
  return `${chunk.context}\n${chunk.text}`.slice(0, maxChars);
}

/**
 * Token counts of a chunk's embedding text, in the order each token first appears: what `tokenize` gives,
 * counted (the LSI model's input, see lsi.ts).
 */
export function embeddingCounts(chunk: { context: string; text: string }): Map<string, number> {
  return countTokens(embeddingText(chunk));
}
