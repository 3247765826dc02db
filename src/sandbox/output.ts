/**
 * Bounded capture of one output stream. A failing install or test run says what went wrong at the start
 * (the command, the first error) and at the end (the summary, the stack), so both ends are kept and the
 * middle is dropped, with a marker that says how many bytes went. Memory stays near the limit however
 * much the command prints.
 */

export interface CapturedOutput {
  text: string;
  truncated: boolean;
  /** Bytes the command wrote to the stream, kept or not. */
  totalBytes: number;
  /** Bytes left out of `text` (0 when nothing was). */
  droppedBytes: number;
}

export class HeadTailBuffer {
  private readonly headMax: number;
  private readonly tailMax: number;
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;

  /** `limit` bytes at most are kept: the first half of them from the start, the rest from the end. */
  constructor(limit: number) {
    this.headMax = Math.ceil(limit / 2);
    this.tailMax = limit - this.headMax;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    let rest = chunk;
    if (this.headBytes < this.headMax) {
      const take = Math.min(this.headMax - this.headBytes, rest.length);
      this.head.push(rest.subarray(0, take));
      this.headBytes += take;
      rest = rest.subarray(take);
    }
    if (rest.length === 0) return;
    this.tail.push(rest);
    this.tailBytes += rest.length;
    // Drop whole chunks from the front while the rest still covers the tail; the one partly needed stays
    // and is cut when the text is made.
    while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= this.tailMax) {
      this.tailBytes -= this.tail.shift()!.length;
    }
  }

  result(): CapturedOutput {
    const head = Buffer.concat(this.head);
    let tail = Buffer.concat(this.tail);
    if (this.total <= this.headMax + this.tailMax) {
      const text = Buffer.concat([head, tail]).toString("utf8");
      return { text, truncated: false, totalBytes: this.total, droppedBytes: 0 };
    }
    tail = tail.subarray(Math.max(0, tail.length - this.tailMax));
    // Cut at character boundaries, so neither end shows a broken character.
    const keptHead = head.subarray(0, completeUtf8Prefix(head));
    const keptTail = tail.subarray(utf8Start(tail));
    const dropped = this.total - keptHead.length - keptTail.length;
    return {
      text: `${keptHead.toString("utf8")}\n[... ${dropped} bytes elided ...]\n${keptTail.toString("utf8")}`,
      truncated: true,
      totalBytes: this.total,
      droppedBytes: dropped,
    };
  }
}

/** Length of the longest prefix of `buf` that does not end inside a multi-byte UTF-8 character. */
function completeUtf8Prefix(buf: Buffer): number {
  // A character is at most 4 bytes: look back at most 3 for the lead byte of the last one.
  for (let i = buf.length - 1, back = 0; i >= 0 && back < 4; i--, back++) {
    const byte = buf[i]!;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return buf.length - i >= need ? buf.length : i;
  }
  return buf.length;
}

/** Offset of the first byte of `buf` that starts a character (skips at most 3 continuation bytes). */
function utf8Start(buf: Buffer): number {
  let i = 0;
  while (i < 3 && i < buf.length && (buf[i]! & 0xc0) === 0x80) i++;
  return i;
}
