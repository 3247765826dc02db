/**
 * Language models behind one interface, whatever the provider: a conversation of text, tool calls and
 * tool results in, one assistant turn out, with the tokens it cost.
 */

export type Part =
  | { type: "text"; text: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> }
  | { type: "tool_result"; tool_use_id: string; content: string; is_error?: boolean };

export interface Message {
  role: "user" | "assistant";
  content: Part[];
}

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the arguments (an object schema). */
  input_schema: Record<string, unknown>;
}

export interface ModelRequest {
  system?: string;
  messages: Message[];
  tools?: ToolSpec[];
  maxTokens: number;
  temperature?: number;
  /** Stream the answer (the result is the same; long answers do not hit HTTP timeouts). */
  stream?: boolean;
  /** With `stream`: each piece of text as it arrives. */
  onText?: (piece: string) => void;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** Input tokens read from the provider's prompt cache (billed lower). */
  cachedTokens: number;
}

export type StopReason = "end_turn" | "tool_use" | "max_tokens" | "other";

export interface ModelResponse {
  content: Part[];
  stopReason: StopReason;
  usage: Usage;
  /** The model that answered (as the provider names it). */
  model: string;
}

/** One provider's client for one model. */
export interface Provider {
  readonly name: "anthropic" | "openai";
  readonly model: string;
  complete(request: ModelRequest, signal: AbortSignal): Promise<ModelResponse>;
}

/** Which of the configured models a task wants: the cheap one for simple work, the strong one for hard. */
export type ModelTier = "cheap" | "strong";
