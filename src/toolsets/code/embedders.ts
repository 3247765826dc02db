/**
 * Embedders behind one interface. `lsi` learns from the indexed repository (no model, no network);
 * `openai` calls any OpenAI-compatible /embeddings endpoint (Ollama, vLLM, TEI, OpenAI), batched, and its
 * vectors are cached by content hash so an unchanged chunk is never embedded twice. The `local` ONNX
 * embedder is not built yet (see docs/code.md).
 */

import type { Config } from "../../core/config.js";
import { ToolError } from "../../core/errors.js";
import { deserializeLsi, type LsiModel, lsiEmbed, serializeLsi, trainLsi } from "./lsi.js";
import type { CodeIndex } from "./store.js";

export interface Embedder {
  /** Names the vector space: vectors of different ids are never compared. */
  readonly id: string;
  /** Whether vectors are cheap to recompute (no cache needed). */
  readonly cheap: boolean;
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/** Text of a chunk as embedders see it: context (path, enclosing signatures, docstring) then code. */
export function embeddingText(chunk: { context: string; text: string }, maxChars = 4000): string {
  return `${chunk.context}\n${chunk.text}`.slice(0, maxChars);
}

export class LsiEmbedder implements Embedder {
  readonly cheap = true;
  readonly id: string;
  private readonly index: Map<string, number>;
  constructor(
    readonly model: LsiModel,
    readonly modelId: string,
  ) {
    this.id = `lsi:${modelId}`;
    this.index = new Map(model.vocab.map((t, i) => [t, i]));
  }
  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((t) => lsiEmbed(this.model, this.index, t));
  }
}

const LSI_KEY = "lsi-model";

/** The repository's LSI embedder, trained now when there is no model or the corpus changed a lot. */
export function lsiFor(index: CodeIndex, options: { retrain: boolean }): LsiEmbedder | undefined {
  const stored = index.blob(LSI_KEY);
  const modelId = index.meta("lsi_model_id");
  if (stored && modelId && !options.retrain) return new LsiEmbedder(deserializeLsi(stored), modelId);
  if (!options.retrain) return undefined;
  const texts = (function* () {
    for (const c of index.allChunkTexts()) yield embeddingText(c);
  })();
  const model = trainLsi(texts);
  const id = `${Date.now().toString(36)}`;
  index.putBlob(LSI_KEY, serializeLsi(model));
  index.setMeta("lsi_model_id", id);
  index.setMeta("lsi_trained_chunks", String(index.stats().chunks));
  return new LsiEmbedder(model, id);
}

export interface OpenAiEmbedderOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
  batchSize?: number;
  fetch?: typeof fetch;
}

export class OpenAiEmbedder implements Embedder {
  readonly cheap = false;
  readonly id: string;
  constructor(private readonly options: OpenAiEmbedderOptions) {
    this.id = `openai:${options.model}`;
  }
  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    const size = this.options.batchSize ?? 64;
    const doFetch = this.options.fetch ?? fetch;
    for (let i = 0; i < texts.length; i += size) {
      const batch = texts.slice(i, i + size);
      const url = `${this.options.baseUrl.replace(/\/+$/, "")}/embeddings`;
      const res = await doFetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify({ model: this.options.model, input: batch }),
        signal,
      });
      if (!res.ok) {
        const body = (await res.text()).slice(0, 300);
        throw new ToolError(
          res.status === 429 ? "rate_limited" : "upstream",
          `embeddings endpoint ${url} answered ${res.status}: ${body}`,
          {
            statusCode: res.status,
          },
        );
      }
      const json = (await res.json()) as { data?: { embedding: number[]; index?: number }[] };
      if (!Array.isArray(json.data) || json.data.length !== batch.length)
        throw new ToolError(
          "upstream",
          `embeddings endpoint ${url} returned ${json.data?.length ?? "no"} vectors for ${batch.length} inputs`,
        );
      const sorted = [...json.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
      for (const d of sorted) out.push(normalize(Float32Array.from(d.embedding)));
    }
    return out;
  }
}

export function normalize(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i]! /= n;
  return v;
}

/** The configured non-LSI embedder, or undefined for `lsi` / `none`. */
export function externalEmbedder(config: Config["code"], fetchImpl?: typeof fetch): Embedder | undefined {
  if (config.embedder === "openai") {
    if (!config.embeddingUrl)
      throw new ToolError(
        "validation",
        "REPOWRIGHT_EMBEDDER=openai needs REPOWRIGHT_EMBEDDING_URL (e.g. http://127.0.0.1:11434/v1)",
      );
    return new OpenAiEmbedder({
      baseUrl: config.embeddingUrl,
      model: config.embeddingModel ?? "text-embedding-3-small",
      apiKey: config.embeddingApiKey,
      fetch: fetchImpl,
    });
  }
  if (config.embedder === "local")
    throw new ToolError(
      "validation",
      "REPOWRIGHT_EMBEDDER=local is not available in this build (the ONNX embedder is not implemented yet); use lsi or openai",
    );
  return undefined;
}
