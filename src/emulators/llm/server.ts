/**
 * A scripted language-model server on loopback that speaks two wire protocols: Anthropic's Messages API
 * (`POST /v1/messages`) and OpenAI's chat completions (`POST /v1/chat/completions`, what OpenAI, Azure,
 * Ollama, vLLM and LM Studio serve), each with and without streaming (server-sent events), tool calls
 * included. It answers from a script — a list of steps, replayed in order — so that tests and users drive
 * the real SDK clients over HTTP without a model. A step can also be a fault: a 429 with `retry-after`,
 * a 5xx, a slow answer, or a connection dropped mid-way.
 *
 * Every request is recorded (time, protocol, model, body) for tests to count, e.g. how many requests
 * arrived within any window.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ScriptedToolCall {
  name: string;
  input: Record<string, unknown>;
  /** Default: a generated id. */
  id?: string;
}

export interface ScriptedReply {
  text?: string;
  tool_calls?: ScriptedToolCall[];
  /** Why the model stopped; default `tool_use` when there are tool calls, else `end_turn`. */
  stop?: "end_turn" | "tool_use" | "max_tokens";
  /** Token counts to report; default: estimated from the request and the reply (4 characters a token). */
  usage?: { input?: number; output?: number; cached?: number };
}

export interface ScriptedFault {
  /** Answer with this HTTP status and the protocol's error body (429, 500, 529, ...). */
  status?: number;
  /** With a 429/503: the `retry-after` header, in seconds. */
  retry_after_s?: number;
  /** Wait this long before answering (a slow model). */
  delay_ms?: number;
  /** Close the connection without an answer. */
  drop?: boolean;
}

export interface ScriptStep {
  reply?: ScriptedReply;
  fault?: ScriptedFault;
}

export interface LlmScript {
  steps: ScriptStep[];
  /** What to answer once the steps are used up; default: the text "(end of script)". */
  fallback?: ScriptedReply;
  /** Start again at the first step when the steps are used up (instead of the fallback). */
  loop?: boolean;
}

export interface LlmRequestRecord {
  at: number;
  protocol: "anthropic" | "openai";
  model: string;
  stream: boolean;
  body: Record<string, unknown>;
  /** The step that answered it (index into the script), or -1 for the fallback. */
  step: number;
}

export interface LlmEmulator {
  url: string;
  /** Base URL for the Anthropic SDK (`baseURL`). */
  anthropicBaseUrl: string;
  /** Base URL for the OpenAI SDK (`baseURL`), ending in /v1. */
  openaiBaseUrl: string;
  readonly requests: readonly LlmRequestRecord[];
  /** Replaces the script and starts it from its first step. */
  load(script: LlmScript): void;
  /** The most requests that arrived within any `windowMs` interval. */
  maxInWindow(windowMs: number): number;
  close(): Promise<void>;
}

const MAX_BODY = 16 * 1024 * 1024;

export async function createLlmEmulator(
  options: { port?: number; host?: string; script?: LlmScript } = {},
): Promise<LlmEmulator> {
  let script: LlmScript = options.script ?? { steps: [] };
  let next = 0;
  let ids = 0;
  const requests: LlmRequestRecord[] = [];

  const take = (): { step: ScriptStep; index: number } => {
    if (next >= script.steps.length && script.loop && script.steps.length > 0) next = 0;
    if (next < script.steps.length) {
      const index = next++;
      return { step: script.steps[index]!, index };
    }
    return { step: { reply: script.fallback ?? { text: "(end of script)" } }, index: -1 };
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: (err as Error).message } }));
      } else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://llm.test").pathname;
    const protocol =
      req.method === "POST" && path === "/v1/messages"
        ? "anthropic"
        : req.method === "POST" && path === "/v1/chat/completions"
          ? "openai"
          : undefined;
    if (!protocol) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ error: { type: "not_found_error", message: `no route ${req.method} ${path}` } }),
      );
      return;
    }
    const body = await readJson(req);
    const stream = body["stream"] === true;
    const { step, index } = take();
    requests.push({
      at: Date.now(),
      protocol,
      model: String(body["model"] ?? ""),
      stream,
      body,
      step: index,
    });
    const fault = step.fault;
    if (fault?.delay_ms) await new Promise((r) => setTimeout(r, fault.delay_ms));
    if (fault?.drop) {
      req.socket.destroy();
      return;
    }
    if (fault?.status) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (fault.retry_after_s !== undefined) headers["retry-after"] = String(fault.retry_after_s);
      res.writeHead(fault.status, headers);
      res.end(JSON.stringify(errorBody(protocol, fault.status)));
      return;
    }
    const reply = step.reply ?? script.fallback ?? { text: "(end of script)" };
    const id = `${protocol === "anthropic" ? "msg" : "chatcmpl"}_emu${++ids}`;
    const usage = usageOf(body, reply);
    if (protocol === "anthropic") {
      const message = anthropicMessage(
        id,
        String(body["model"] ?? ""),
        reply,
        usage,
        () => `toolu_emu${++ids}`,
      );
      if (stream) sendAnthropicStream(res, message);
      else sendJson(res, message);
    } else {
      const completion = openaiCompletion(
        id,
        String(body["model"] ?? ""),
        reply,
        usage,
        () => `call_emu${++ids}`,
      );
      if (stream) sendOpenaiStream(res, completion, body);
      else sendJson(res, completion);
    }
  }

  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve),
  );
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? "127.0.0.1";
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  return {
    url,
    anthropicBaseUrl: url,
    openaiBaseUrl: `${url}/v1`,
    requests,
    load(s) {
      script = s;
      next = 0;
    },
    maxInWindow(windowMs) {
      const times = requests.map((r) => r.at).sort((a, b) => a - b);
      let best = 0;
      let lo = 0;
      for (let hi = 0; hi < times.length; hi++) {
        while (times[hi]! - times[lo]! >= windowMs) lo++;
        best = Math.max(best, hi - lo + 1);
      }
      return best;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error("request body too large");
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function sendJson(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function errorBody(protocol: "anthropic" | "openai", status: number): Record<string, unknown> {
  const kind =
    status === 429
      ? "rate_limit_error"
      : status === 529
        ? "overloaded_error"
        : status >= 500
          ? "api_error"
          : "invalid_request_error";
  const message = `emulated ${status} (${kind})`;
  return protocol === "anthropic"
    ? { type: "error", error: { type: kind, message } }
    : { error: { message, type: kind, code: status === 429 ? "rate_limit_exceeded" : null } };
}

interface Usage {
  input: number;
  output: number;
  cached: number;
}

function usageOf(body: Record<string, unknown>, reply: ScriptedReply): Usage {
  const estimate = (v: unknown) => Math.max(1, Math.ceil(JSON.stringify(v ?? "").length / 4));
  return {
    input: reply.usage?.input ?? estimate([body["system"], body["messages"], body["tools"]]),
    output: reply.usage?.output ?? estimate([reply.text, reply.tool_calls]),
    cached: reply.usage?.cached ?? 0,
  };
}

type AnthropicBlock =
  | { type: "text"; text: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

function anthropicMessage(
  id: string,
  model: string,
  reply: ScriptedReply,
  usage: Usage,
  toolId: () => string,
) {
  const content: AnthropicBlock[] = [];
  if (reply.text !== undefined) content.push({ type: "text", text: reply.text });
  for (const call of reply.tool_calls ?? [])
    content.push({ type: "tool_use", id: call.id ?? toolId(), name: call.name, input: call.input });
  return {
    id,
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: reply.stop ?? ((reply.tool_calls?.length ?? 0) > 0 ? "tool_use" : "end_turn"),
    stop_sequence: null,
    usage: {
      input_tokens: usage.input,
      output_tokens: usage.output,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: usage.cached,
    },
  };
}

function sse(res: ServerResponse, event: string | undefined, data: unknown): void {
  res.write(
    `${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`,
  );
}

/** The Messages API's event stream: message_start, a start/delta/stop per block, message_delta, message_stop. */
function sendAnthropicStream(res: ServerResponse, message: ReturnType<typeof anthropicMessage>): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const { content, usage, stop_reason } = message;
  sse(res, "message_start", {
    type: "message_start",
    message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } },
  });
  content.forEach((block, index) => {
    if (block.type === "text") {
      sse(res, "content_block_start", {
        type: "content_block_start",
        index,
        content_block: { type: "text", text: "" },
      });
      // In two pieces, as a model streams.
      const half = Math.ceil(block.text.length / 2);
      for (const piece of [block.text.slice(0, half), block.text.slice(half)]) {
        if (piece)
          sse(res, "content_block_delta", {
            type: "content_block_delta",
            index,
            delta: { type: "text_delta", text: piece },
          });
      }
    } else {
      sse(res, "content_block_start", {
        type: "content_block_start",
        index,
        content_block: { type: "tool_use", id: block.id, name: block.name, input: {} },
      });
      const json = JSON.stringify(block.input);
      const half = Math.ceil(json.length / 2);
      for (const piece of [json.slice(0, half), json.slice(half)]) {
        sse(res, "content_block_delta", {
          type: "content_block_delta",
          index,
          delta: { type: "input_json_delta", partial_json: piece },
        });
      }
    }
    sse(res, "content_block_stop", { type: "content_block_stop", index });
  });
  sse(res, "message_delta", {
    type: "message_delta",
    delta: { stop_reason, stop_sequence: null },
    usage: { output_tokens: usage.output_tokens },
  });
  sse(res, "message_stop", { type: "message_stop" });
  res.end();
}

function openaiCompletion(
  id: string,
  model: string,
  reply: ScriptedReply,
  usage: Usage,
  toolId: () => string,
) {
  const calls = (reply.tool_calls ?? []).map((c) => ({
    id: c.id ?? toolId(),
    type: "function" as const,
    function: { name: c.name, arguments: JSON.stringify(c.input) },
  }));
  const stop = reply.stop ?? (calls.length > 0 ? "tool_use" : "end_turn");
  return {
    id,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: reply.text ?? null,
          ...(calls.length > 0 ? { tool_calls: calls } : {}),
          refusal: null,
        },
        logprobs: null,
        finish_reason: stop === "tool_use" ? "tool_calls" : stop === "max_tokens" ? "length" : "stop",
      },
    ],
    usage: {
      prompt_tokens: usage.input,
      completion_tokens: usage.output,
      total_tokens: usage.input + usage.output,
      prompt_tokens_details: { cached_tokens: usage.cached },
    },
  };
}

/** Chat-completion chunks: role, content pieces, tool-call pieces, the finish reason, usage, [DONE]. */
function sendOpenaiStream(
  res: ServerResponse,
  completion: ReturnType<typeof openaiCompletion>,
  body: Record<string, unknown>,
): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const base = {
    id: completion.id,
    object: "chat.completion.chunk",
    created: completion.created,
    model: completion.model,
  };
  const choice = completion.choices[0]!;
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    sse(res, undefined, { ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  chunk({ role: "assistant", content: "" });
  const text = choice.message.content;
  if (text) {
    const half = Math.ceil(text.length / 2);
    for (const piece of [text.slice(0, half), text.slice(half)]) if (piece) chunk({ content: piece });
  }
  (choice.message.tool_calls ?? []).forEach((call, index) => {
    chunk({
      tool_calls: [
        { index, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } },
      ],
    });
    const args = call.function.arguments;
    const half = Math.ceil(args.length / 2);
    for (const piece of [args.slice(0, half), args.slice(half)])
      chunk({ tool_calls: [{ index, function: { arguments: piece } }] });
  });
  chunk({}, choice.finish_reason);
  const wantsUsage =
    (body["stream_options"] as { include_usage?: boolean } | undefined)?.include_usage === true;
  if (wantsUsage) sse(res, undefined, { ...base, choices: [], usage: completion.usage });
  sse(res, undefined, "[DONE]");
  res.end();
}
