/**
 * Embedders behind one interface. `lsi` learns from the indexed repository (no model, no network);
 * `openai` calls any OpenAI-compatible /embeddings endpoint (Ollama, vLLM, TEI, OpenAI), batched, and its
 * vectors are cached by content hash so an unchanged chunk is never embedded twice; `local` runs an ONNX model
 * directory (e.g. all-MiniLM-L6-v2) through the optional `@huggingface/transformers`, imported only when
 * chosen, with remote models disabled (nothing is downloaded at run time), cached the same way.
 */

import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { embeddingCounts } from "../../code/terms.js";
import { countTokens } from "../../code/tokenize.js";
import type { Config } from "../../core/config.js";
import { httpError, retryAfterSeconds, ToolError } from "../../core/errors.js";
import { deserializeLsi, type LsiModel, lsiEmbedCounts, serializeLsi, trainLsiCountsAsync } from "./lsi.js";
import type { CodeIndex } from "./store.js";

export interface Embedder {
  /** Names the vector space: vectors of different ids are never compared. */
  readonly id: string;
  /** Whether vectors are cheap to recompute (no cache needed). */
  readonly cheap: boolean;
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

export { embeddingCounts, embeddingText } from "../../code/terms.js";

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
    return texts.map((t) => lsiEmbedCounts(this.model, this.index, countTokens(t)));
  }
  /** `embed` of texts already counted (embeddingCounts): the same vectors without scanning again. */
  embedCounts(counts: readonly Map<string, number>[]): Float32Array[] {
    return counts.map((c) => lsiEmbedCounts(this.model, this.index, c));
  }
}

const LSI_KEY = "lsi-model";

/**
 * The LSI embedder last loaded per open index: a search reads only the model id, not the model, while the
 * model is unchanged (another replica's re-training changes the id).
 */
const loadedLsi = new WeakMap<CodeIndex, LsiEmbedder>();

/**
 * The repository's LSI embedder, trained now when there is no model or the corpus changed a lot.
 * `counted`: embeddingCounts of chunks by chunk hash, computed while chunking; a chunk found there is not
 * scanned again (the rest are counted from their stored text).
 */
export async function lsiFor(
  index: CodeIndex,
  options: { retrain: boolean; counted?: ReadonlyMap<string, Map<string, number>>; signal?: AbortSignal },
): Promise<LsiEmbedder | undefined> {
  const modelId = await index.meta("lsi_model_id");
  if (!options.retrain) {
    if (!modelId) return undefined;
    const loaded = loadedLsi.get(index);
    if (loaded && loaded.modelId === modelId) return loaded;
    const stored = await index.blob(LSI_KEY);
    if (!stored) return undefined;
    const embedder = new LsiEmbedder(deserializeLsi(stored), modelId);
    loadedLsi.set(index, embedder);
    return embedder;
  }
  const docs: Map<string, number>[] = [];
  const counted = options.counted;
  for await (const c of index.allChunkTexts()) {
    const known = counted && c.hash !== undefined ? counted.get(c.hash) : undefined;
    docs.push(known ?? embeddingCounts(c));
  }
  // Trained in slices: searches of this process (lexical until the vectors are ready) go on meanwhile.
  const model = await trainLsiCountsAsync(docs, { signal: options.signal });
  const id = `${Date.now().toString(36)}`;
  await index.putBlob(LSI_KEY, serializeLsi(model));
  await index.setMeta("lsi_model_id", id);
  await index.setMeta("lsi_trained_chunks", String((await index.stats()).chunks));
  const embedder = new LsiEmbedder(model, id);
  loadedLsi.set(index, embedder);
  return embedder;
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
        // A 4xx here is the configuration's fault (key, model), not the caller's input: "upstream".
        throw httpError({
          service: `embeddings endpoint ${url}`,
          status: res.status,
          message: body,
          retryAfterS: retryAfterSeconds(res.headers.get("retry-after")),
          type: res.status === 429 ? "rate_limited" : "upstream",
        });
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

export interface LocalEmbedderOptions {
  /** A transformers.js model directory: config.json, tokenizer.json (+ tokenizer_config.json), onnx/model.onnx. */
  modelDir: string;
  batchSize?: number;
}

/** The part of a transformers.js feature-extraction pipeline this embedder uses. */
type FeatureExtractor = (
  texts: string[],
  options: { pooling: "mean"; normalize: boolean },
) => Promise<{ dims: number[]; data: ArrayLike<number> }>;

interface TransformersModule {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean };
  pipeline(
    task: "feature-extraction",
    model: string,
    options: { local_files_only: boolean; dtype: string; device: string },
  ): Promise<FeatureExtractor>;
}

/** Loaded pipelines by model directory, shared by every index run and search of this process. */
const extractors = new Map<string, Promise<FeatureExtractor>>();

/** The package name in a variable: TypeScript and bundlers leave the optional dependency alone. */
const TRANSFORMERS_PACKAGE = "@huggingface/transformers";

async function loadTransformers(): Promise<TransformersModule> {
  try {
    return (await import(TRANSFORMERS_PACKAGE)) as TransformersModule;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND")
      throw new ToolError(
        "validation",
        `REPOWRIGHT_EMBEDDER=local needs the optional package ${TRANSFORMERS_PACKAGE}, which is not installed: run \`npm install ${TRANSFORMERS_PACKAGE}\`, or use REPOWRIGHT_EMBEDDER=lsi`,
        { cause: err },
      );
    throw err;
  }
}

/** What is wrong with a model directory, or undefined when it has the files transformers.js needs. */
function modelDirProblem(dir: string): string | undefined {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return `${dir} is not a directory`;
  const missing = ["config.json", "tokenizer.json"].filter((f) => !existsSync(join(dir, f)));
  const onnxDir = join(dir, "onnx");
  if (!existsSync(join(onnxDir, "model.onnx")))
    missing.push(
      existsSync(onnxDir)
        ? `onnx/model.onnx (found ${readdirSync(onnxDir).join(", ") || "nothing"})`
        : "onnx/model.onnx",
    );
  return missing.length ? `${dir} has no ${missing.join(", ")}` : undefined;
}

function loadExtractor(modelDir: string): Promise<FeatureExtractor> {
  let loading = extractors.get(modelDir);
  if (!loading) {
    loading = (async () => {
      const problem = modelDirProblem(modelDir);
      if (problem)
        throw new ToolError(
          "validation",
          `REPOWRIGHT_EMBEDDING_MODEL_DIR: ${problem}. It must hold a transformers.js model (config.json, tokenizer.json, onnx/model.onnx), e.g. a copy of Xenova/all-MiniLM-L6-v2`,
        );
      const transformers = await loadTransformers();
      // Nothing is ever downloaded: the model must be on disk.
      transformers.env.allowRemoteModels = false;
      transformers.env.allowLocalModels = true;
      try {
        return await transformers.pipeline("feature-extraction", modelDir, {
          local_files_only: true,
          dtype: "fp32",
          device: "cpu",
        });
      } catch (err) {
        throw new ToolError(
          "validation",
          `could not load the embedding model in ${modelDir}: ${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        );
      }
    })();
    extractors.set(modelDir, loading);
    // A failed load is not remembered: fixing the directory and retrying works without a restart.
    loading.catch(() => extractors.delete(modelDir));
  }
  return loading;
}

/** A local ONNX sentence-embedding model: mean pooling over tokens, unit-normalized, batched. */
export class LocalEmbedder implements Embedder {
  readonly cheap = false;
  readonly id: string;
  private readonly modelDir: string;
  constructor(private readonly options: LocalEmbedderOptions) {
    this.modelDir = resolve(options.modelDir);
    this.id = `local:${this.modelDir}`;
  }
  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const extract = await loadExtractor(this.modelDir);
    const out: Float32Array[] = [];
    const size = this.options.batchSize ?? 32;
    for (let i = 0; i < texts.length; i += size) {
      signal?.throwIfAborted();
      const batch = texts.slice(i, i + size);
      const tensor = await extract(batch, { pooling: "mean", normalize: true });
      const dim = tensor.dims[tensor.dims.length - 1] ?? 0;
      if (tensor.dims[0] !== batch.length || dim === 0)
        throw new ToolError(
          "upstream",
          `the model in ${this.modelDir} returned a tensor of shape [${tensor.dims.join(", ")}] for ${batch.length} inputs`,
        );
      for (let j = 0; j < batch.length; j++) {
        const v = new Float32Array(dim);
        for (let k = 0; k < dim; k++) v[k] = tensor.data[j * dim + k] ?? 0;
        out.push(v);
      }
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
  if (config.embedder === "local") {
    if (!config.modelDir)
      throw new ToolError(
        "validation",
        "REPOWRIGHT_EMBEDDER=local needs REPOWRIGHT_EMBEDDING_MODEL_DIR: a model directory with config.json, tokenizer.json and onnx/model.onnx (e.g. Xenova/all-MiniLM-L6-v2)",
      );
    return new LocalEmbedder({ modelDir: config.modelDir });
  }
  return undefined;
}
