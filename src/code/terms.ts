/**
 * Weighted index terms of one chunk (what the lexical index stores per chunk). Lives in src/code/ so the
 * chunking workers (chunk-pool.ts) compute terms next to the chunks, off the main thread.
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
