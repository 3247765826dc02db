/**
 * Lines from a stream of chunks, with bounded memory: split on `\n` only (a lone `\r` is part of its line,
 * as Travis markers and progress bars put it there, so line numbers match the file's), `\r\n` handled, and
 * a line longer than `maxLine` characters cut there (the rest skipped up to the next line break), so one
 * 500 MB line of minified output cannot fill the heap either.
 *
 * Why not node:readline: it also ends a line at a lone `\r`, which shifts every line number after a
 * Travis fold marker, and it buffers a whole line however long.
 */
import { StringDecoder } from "node:string_decoder";

export async function* linesOf(
  chunks: AsyncIterable<Buffer | string>,
  maxLine = 64 * 1024,
): AsyncGenerator<string> {
  const decoder = new StringDecoder("utf8");
  let partial = "";
  /** True while skipping the rest of an over-long line. */
  let skipping = false;
  const take = (piece: string): void => {
    if (skipping) return;
    partial += piece;
    if (partial.length > maxLine) {
      partial = partial.slice(0, maxLine);
      skipping = true;
    }
  };
  for await (const chunk of chunks) {
    const text = typeof chunk === "string" ? chunk : decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf("\n", start); nl !== -1; nl = text.indexOf("\n", start)) {
      let line: string;
      if (partial === "" && !skipping && nl - start <= maxLine) {
        // The common case: the whole line is inside this chunk.
        line = text.slice(start, text.charCodeAt(nl - 1) === 13 && nl > start ? nl - 1 : nl);
      } else {
        take(text.slice(start, nl));
        line = partial.endsWith("\r") ? partial.slice(0, -1) : partial;
      }
      partial = "";
      skipping = false;
      start = nl + 1;
      yield line;
    }
    take(text.slice(start));
  }
  take(decoder.end());
  if (partial !== "") yield partial.endsWith("\r") ? partial.slice(0, -1) : partial;
}
