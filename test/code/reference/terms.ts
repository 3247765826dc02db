/**
 * REFERENCE ONLY (tests): `chunkTerms` as src/toolsets/code/indexer.ts had it before the speed work of
 * issue #15, verbatim, over the reference tokenizer; the equivalence test checks src/code/terms.ts against it.
 */
import { pathTokens, termCounts, tokenize } from "./tokenize.js";

const SYMBOL_WEIGHT = 4;
const PATH_WEIGHT = 2;

const IMPORT_WEIGHT = 0.25;
/** Lines that only bring names in (`import`, `from x import`, `require`, `#include`, `use`, re-exports). */
const IMPORT_LINE =
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
  const terms = termCounts(tokenize(`${c.context}\n${body}`));
  if (imports) termCounts(tokenize(imports), terms, IMPORT_WEIGHT);
  if (c.symbol) termCounts(tokenize(c.symbol), terms, SYMBOL_WEIGHT);
  termCounts(pathTokens(path), terms, PATH_WEIGHT);
  return terms;
}
