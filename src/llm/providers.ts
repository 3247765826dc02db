/**
 * The two wire protocols, through their official SDKs: Anthropic Messages (`@anthropic-ai/sdk`: tool use,
 * streaming, prompt caching) and OpenAI-compatible chat completions (`openai`: OpenAI, Azure, Ollama, vLLM,
 * LM Studio). The SDKs retry 408/409/429/5xx and dropped connections themselves (REPOWRIGHT_LLM_MAX_RETRIES
 * times, with backoff), honouring `retry-after` up to a minute; here requests and answers are only
 * translated between the SDKs' shapes and ours (src/llm/types.ts).
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import type { Message, ModelRequest, ModelResponse, Part, Provider, StopReason } from "./types.js";

export interface ProviderOptions {
  model: string;
  apiKey: string;
  baseUrl?: string;
  maxRetries: number;
  timeoutMs: number;
  /** Requests go through this fetch (tests inject one that reaches only loopback). */
  fetch?: typeof fetch;
}

export function anthropicProvider(options: ProviderOptions): Provider {
  const client = new Anthropic({
    apiKey: options.apiKey,
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
    maxRetries: options.maxRetries,
    timeout: options.timeoutMs,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  return {
    name: "anthropic",
    model: options.model,
    async complete(request, signal) {
      const params = {
        model: options.model,
        max_tokens: request.maxTokens,
        // Prompt caching: the system prompt and the tool list are the stable prefix of every turn.
        ...(request.system
          ? {
              system: [
                {
                  type: "text" as const,
                  text: request.system,
                  cache_control: { type: "ephemeral" as const },
                },
              ],
            }
          : {}),
        messages: request.messages.map(toAnthropicMessage),
        ...(request.tools && request.tools.length > 0
          ? {
              tools: request.tools.map((t, i, all) => ({
                name: t.name,
                description: t.description,
                input_schema: t.input_schema as Anthropic.Tool.InputSchema,
                ...(i === all.length - 1 ? { cache_control: { type: "ephemeral" as const } } : {}),
              })),
            }
          : {}),
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      };
      let message: Anthropic.Message;
      if (request.stream) {
        const stream = client.messages.stream(params, { signal });
        if (request.onText) stream.on("text", request.onText);
        message = await stream.finalMessage();
      } else {
        message = await client.messages.create(params, { signal });
      }
      const content: Part[] = [];
      for (const block of message.content) {
        if (block.type === "text") content.push({ type: "text", text: block.text });
        else if (block.type === "tool_use")
          content.push({
            type: "tool_use",
            id: block.id,
            name: block.name,
            input: block.input as Record<string, unknown>,
          });
      }
      return {
        content,
        stopReason: anthropicStop(message.stop_reason),
        model: message.model,
        usage: {
          inputTokens:
            message.usage.input_tokens +
            (message.usage.cache_read_input_tokens ?? 0) +
            (message.usage.cache_creation_input_tokens ?? 0),
          outputTokens: message.usage.output_tokens,
          cachedTokens: message.usage.cache_read_input_tokens ?? 0,
        },
      };
    },
  };
}

function toAnthropicMessage(m: Message): Anthropic.MessageParam {
  return {
    role: m.role,
    content: m.content.map((p): Anthropic.ContentBlockParam => {
      if (p.type === "text") return { type: "text", text: p.text };
      if (p.type === "tool_use") return { type: "tool_use", id: p.id, name: p.name, input: p.input };
      return {
        type: "tool_result",
        tool_use_id: p.tool_use_id,
        content: p.content,
        is_error: p.is_error ?? false,
      };
    }),
  };
}

function anthropicStop(reason: string | null): StopReason {
  if (reason === "end_turn" || reason === "stop_sequence") return "end_turn";
  if (reason === "tool_use") return "tool_use";
  if (reason === "max_tokens") return "max_tokens";
  return "other";
}

export function openaiProvider(options: ProviderOptions): Provider {
  const client = new OpenAI({
    apiKey: options.apiKey,
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
    maxRetries: options.maxRetries,
    timeout: options.timeoutMs,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  return {
    name: "openai",
    model: options.model,
    async complete(request, signal) {
      const messages: OpenAI.ChatCompletionMessageParam[] = [];
      if (request.system) messages.push({ role: "system", content: request.system });
      for (const m of request.messages) messages.push(...toOpenaiMessages(m));
      const params = {
        model: options.model,
        messages,
        max_tokens: request.maxTokens,
        ...(request.tools && request.tools.length > 0
          ? {
              tools: request.tools.map((t) => ({
                type: "function" as const,
                function: { name: t.name, description: t.description, parameters: t.input_schema },
              })),
            }
          : {}),
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      };
      if (request.stream) return streamOpenai(client, params, request, signal, options.model);
      const res = await client.chat.completions.create({ ...params, stream: false }, { signal });
      const choice = res.choices[0];
      const content: Part[] = [];
      if (choice?.message.content) content.push({ type: "text", text: choice.message.content });
      for (const call of choice?.message.tool_calls ?? []) {
        if (call.type !== "function") continue;
        content.push({
          type: "tool_use",
          id: call.id,
          name: call.function.name,
          input: parseArgs(call.function.arguments),
        });
      }
      return {
        content,
        stopReason: openaiStop(choice?.finish_reason ?? null),
        model: res.model,
        usage: {
          inputTokens: res.usage?.prompt_tokens ?? 0,
          outputTokens: res.usage?.completion_tokens ?? 0,
          cachedTokens: res.usage?.prompt_tokens_details?.cached_tokens ?? 0,
        },
      };
    },
  };
}

async function streamOpenai(
  client: OpenAI,
  params: Omit<OpenAI.ChatCompletionCreateParamsStreaming, "stream">,
  request: ModelRequest,
  signal: AbortSignal,
  model: string,
): Promise<ModelResponse> {
  const stream = await client.chat.completions.create(
    { ...params, stream: true, stream_options: { include_usage: true } },
    { signal },
  );
  let text = "";
  let finish: string | null = null;
  let usage = { inputTokens: 0, outputTokens: 0, cachedTokens: 0 };
  let answeredBy = model;
  const calls: { id: string; name: string; args: string }[] = [];
  for await (const chunk of stream) {
    answeredBy = chunk.model || answeredBy;
    if (chunk.usage) {
      usage = {
        inputTokens: chunk.usage.prompt_tokens,
        outputTokens: chunk.usage.completion_tokens,
        cachedTokens: chunk.usage.prompt_tokens_details?.cached_tokens ?? 0,
      };
    }
    const choice = chunk.choices[0];
    if (!choice) continue;
    if (choice.delta.content) {
      text += choice.delta.content;
      request.onText?.(choice.delta.content);
    }
    for (const d of choice.delta.tool_calls ?? []) {
      if (!calls[d.index]) calls[d.index] = { id: "", name: "", args: "" };
      const call = calls[d.index]!;
      if (d.id) call.id = d.id;
      if (d.function?.name) call.name += d.function.name;
      if (d.function?.arguments) call.args += d.function.arguments;
    }
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  const content: Part[] = [];
  if (text) content.push({ type: "text", text });
  for (const c of calls) content.push({ type: "tool_use", id: c.id, name: c.name, input: parseArgs(c.args) });
  return { content, stopReason: openaiStop(finish), model: answeredBy, usage };
}

function toOpenaiMessages(m: Message): OpenAI.ChatCompletionMessageParam[] {
  if (m.role === "assistant") {
    const text = m.content.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("");
    const calls = m.content.flatMap((p) =>
      p.type === "tool_use"
        ? [
            {
              id: p.id,
              type: "function" as const,
              function: { name: p.name, arguments: JSON.stringify(p.input) },
            },
          ]
        : [],
    );
    return [{ role: "assistant", content: text || null, ...(calls.length > 0 ? { tool_calls: calls } : {}) }];
  }
  // A user turn: tool results become "tool" messages (one per call), text a user message after them.
  const out: OpenAI.ChatCompletionMessageParam[] = [];
  for (const p of m.content) {
    if (p.type === "tool_result")
      out.push({
        role: "tool",
        tool_call_id: p.tool_use_id,
        content: p.is_error ? `ERROR: ${p.content}` : p.content,
      });
  }
  const text = m.content.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("\n");
  if (text) out.push({ role: "user", content: text });
  return out;
}

function parseArgs(text: string): Record<string, unknown> {
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };
  } catch {
    // A model that wrote broken JSON: the loop tells it so through the tool's validation error.
    return { __unparsed_arguments: text };
  }
}

function openaiStop(reason: string | null): StopReason {
  if (reason === "stop") return "end_turn";
  if (reason === "tool_calls" || reason === "function_call") return "tool_use";
  if (reason === "length") return "max_tokens";
  return "other";
}
