/**
 * The stdio transport: newline-delimited JSON-RPC on stdin/stdout, like the SDK's StdioServerTransport,
 * but a bad message never ends the session. The SDK's transport closes itself when its read buffer passes
 * 10 MiB (the server then exits 0 without a word) and drops unparseable lines silently. Here a line over
 * the limit is skipped up to its newline without being kept in memory and answered with a JSON-RPC error,
 * an unparseable line gets -32700, a line that is not a JSON-RPC message -32600, and the next message is
 * served as usual.
 */
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { type JSONRPCMessage, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";

export const DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

export interface StdioTransportOptions {
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  /** Largest message (one line, in bytes) accepted. */
  maxMessageBytes?: number;
  /** Told about each refused line (for the log). */
  onRefused?: (reason: string) => void;
}

export class StdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private readonly stdin: NodeJS.ReadableStream;
  private readonly stdout: NodeJS.WritableStream;
  private readonly max: number;
  private chunks: Buffer[] = [];
  private size = 0;
  /** Skipping the rest of an oversized line until its newline. */
  private skipping = false;
  private closed = false;

  constructor(private readonly options: StdioTransportOptions = {}) {
    this.stdin = options.stdin ?? process.stdin;
    this.stdout = options.stdout ?? process.stdout;
    this.max = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  private readonly onData = (chunk: Buffer | string) => {
    let buf = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    while (buf.length > 0) {
      const nl = buf.indexOf(10);
      const part = nl === -1 ? buf : buf.subarray(0, nl);
      if (this.skipping) {
        // Nothing of an oversized line is kept.
      } else if (this.size + part.length > this.max) {
        this.chunks = [];
        this.size = 0;
        this.skipping = true;
        this.refuse(-32600, `message too large: over ${this.max} bytes; this server accepts at most that`);
      } else if (part.length > 0) {
        this.chunks.push(part);
        this.size += part.length;
      }
      if (nl === -1) break;
      if (!this.skipping) this.line(Buffer.concat(this.chunks, this.size));
      this.chunks = [];
      this.size = 0;
      this.skipping = false;
      buf = buf.subarray(nl + 1);
    }
  };

  private readonly onEnd = () => {
    void this.close();
  };

  private readonly onStreamError = (err: Error) => {
    this.onerror?.(err);
  };

  private line(raw: Buffer): void {
    const text = raw.toString("utf8").replace(/\r$/, "");
    if (text.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.refuse(-32700, "parse error: each line must be one JSON-RPC message");
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(value);
    if (!parsed.success) {
      const id = (value as { id?: unknown } | null)?.id;
      this.refuse(
        -32600,
        "invalid request: not a JSON-RPC 2.0 message",
        typeof id === "string" || typeof id === "number" ? id : null,
      );
      return;
    }
    this.onmessage?.(parsed.data);
  }

  private refuse(code: number, message: string, id: string | number | null = null): void {
    this.options.onRefused?.(message);
    this.write({ jsonrpc: "2.0", id, error: { code, message } });
  }

  private write(message: unknown): Promise<void> {
    return new Promise((resolve) => {
      if (this.stdout.write(`${JSON.stringify(message)}\n`)) resolve();
      else this.stdout.once("drain", resolve);
    });
  }

  async start(): Promise<void> {
    this.stdin.on("data", this.onData);
    this.stdin.on("end", this.onEnd);
    this.stdin.on("error", this.onStreamError);
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.write(message);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stdin.off("data", this.onData);
    this.stdin.off("end", this.onEnd);
    this.stdin.off("error", this.onStreamError);
    if (this.stdin.listenerCount("data") === 0) this.stdin.pause();
    this.chunks = [];
    this.onclose?.();
  }
}
