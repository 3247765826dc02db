/**
 * The agents' models, built once per process by the composition root: the configured provider for a
 * cheap and a strong tier, each call going through the model's rate limiter (shared through the store),
 * a circuit breaker, the optional response cache, accounting (tokens and dollars, on the run's account and
 * as Prometheus counters) and the run's budget.
 */
import { createHash } from "node:crypto";
import { Counter, type Registry } from "prom-client";
import type { Config } from "../core/config.js";
import { validationError } from "../core/errors.js";
import type { Logger } from "../core/log.js";
import { type Breaker, createBreaker } from "../core/resilience.js";
import type { Store } from "../store/types.js";
import type { RunAccount } from "./budget.js";
import { ModelLimiter } from "./limiter.js";
import { anthropicProvider, openaiProvider } from "./providers.js";
import type { ModelRequest, ModelResponse, ModelTier, Provider, Usage } from "./types.js";

export interface CallOptions {
  signal?: AbortSignal;
  /** The run's account: budgets are checked before the call and charged after it. */
  account?: RunAccount;
  /** Use the response cache for this call (when REPOWRIGHT_LLM_CACHE_TTL_S is set). Default true. */
  cache?: boolean;
}

export interface Model {
  readonly name: string;
  readonly provider: Provider["name"];
  complete(request: ModelRequest, options?: CallOptions): Promise<ModelResponse>;
}

export interface Models {
  /** The model of a tier; `validation` ToolError when no API key is configured. */
  get(tier: ModelTier): Model;
  /** Why models cannot be used with this configuration, or undefined. */
  unavailable(): string | undefined;
  /** Dollars for a usage of a model, from REPOWRIGHT_LLM_PRICES (0 for models not listed). */
  cost(model: string, usage: Usage): number;
}

export interface CreateModelsOptions {
  config: Readonly<Config>;
  store: Store;
  log: Logger;
  registry: Registry;
  /** Requests go through this fetch (tests: one that reaches only loopback). */
  fetch?: typeof fetch;
}

const CACHE_NS = "llm-cache";

export function createModels(options: CreateModelsOptions): Models {
  const { config, store, log } = options;
  const llm = config.llm;
  const apiKey = llm.apiKey ?? (llm.provider === "anthropic" ? llm.anthropicApiKey : llm.openaiApiKey);
  const counters = llmCounters(options.registry);
  const built = new Map<string, Model>();

  const cost = (model: string, usage: Usage) => {
    const price = llm.prices[model];
    if (!price) return 0;
    const fresh = usage.inputTokens - usage.cachedTokens;
    return (
      (fresh * price.input +
        usage.cachedTokens * (price.cached ?? price.input) +
        usage.outputTokens * price.output) /
      1_000_000
    );
  };

  const unavailable = () =>
    apiKey
      ? undefined
      : `no model API key: set REPOWRIGHT_LLM_API_KEY (or ${llm.provider === "anthropic" ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY"})`;

  const build = (name: string): Model => {
    const providerOptions = {
      model: name,
      apiKey: apiKey!,
      baseUrl: llm.baseUrl,
      maxRetries: llm.maxRetries,
      timeoutMs: llm.timeoutS * 1000,
      fetch: options.fetch,
    };
    const provider =
      llm.provider === "anthropic" ? anthropicProvider(providerOptions) : openaiProvider(providerOptions);
    const limiter = new ModelLimiter(store, `${llm.provider}:${name}`, {
      requests: llm.requestsPerWindow,
      inputTokens: llm.inputTokensPerWindow,
      outputTokens: llm.outputTokensPerWindow,
      windowMs: llm.windowMs,
      maxInFlightMs: llm.timeoutS * 1000 * (llm.maxRetries + 1),
    });
    const breaker: Breaker = createBreaker(`model ${name}`, {
      failures: config.server.breakerFailures,
      cooldownMs: config.server.breakerCooldownS * 1000,
      onChange: (state) => log.warn({ state, model: name }, `model circuit ${state}`),
    });
    return {
      name,
      provider: provider.name,
      async complete(request, callOptions = {}) {
        const { account } = callOptions;
        account?.beforeTurn();
        const signal = anySignal(callOptions.signal, account?.signal);
        const cacheKey =
          llm.cacheTtlS > 0 && callOptions.cache !== false
            ? requestHash(provider.name, name, request)
            : undefined;
        if (cacheKey) {
          const hit = await store.get(CACHE_NS, cacheKey).catch(() => null);
          if (hit) {
            const response = JSON.parse(hit) as ModelResponse;
            counters.calls.labels(name, "cached").inc();
            account?.charge({ inputTokens: 0, outputTokens: 0, cachedTokens: 0 }, 0);
            return response;
          }
        }
        const admission = await limiter.admit(estimateTokens(request), signal);
        let response: ModelResponse;
        try {
          response = await breaker.execute(() => provider.complete(request, signal));
        } catch (err) {
          await admission.settle(0, 0).catch(() => {});
          counters.calls.labels(name, signal.aborted ? "cancelled" : "error").inc();
          throw err;
        }
        await admission.settle(response.usage.inputTokens, response.usage.outputTokens).catch(() => {});
        const dollars = cost(name, response.usage);
        counters.calls.labels(name, "ok").inc();
        counters.tokens.labels(name, "input").inc(response.usage.inputTokens);
        counters.tokens.labels(name, "output").inc(response.usage.outputTokens);
        counters.tokens.labels(name, "cached").inc(response.usage.cachedTokens);
        counters.cost.labels(name).inc(dollars);
        account?.charge(response.usage, dollars);
        if (cacheKey) {
          void store
            .set(CACHE_NS, cacheKey, JSON.stringify(response), { ttlMs: llm.cacheTtlS * 1000 })
            .catch(() => {});
        }
        return response;
      },
    };
  };

  return {
    unavailable,
    cost,
    get(tier) {
      const missing = unavailable();
      if (missing) throw validationError(`this needs a language model: ${missing}`);
      const name = tier === "cheap" ? llm.cheapModel : llm.strongModel;
      let model = built.get(name);
      if (!model) {
        model = build(name);
        built.set(name, model);
      }
      return model;
    },
  };
}

/** Counters by model, registered once per registry (a registry is per host). */
const countersByRegistry = new WeakMap<Registry, ReturnType<typeof makeCounters>>();

function llmCounters(registry: Registry) {
  let c = countersByRegistry.get(registry);
  if (!c) {
    c = makeCounters(registry);
    countersByRegistry.set(registry, c);
  }
  return c;
}

function makeCounters(registry: Registry) {
  return {
    tokens: new Counter({
      name: "repowright_llm_tokens_used_total",
      help: "Model tokens by model and kind (input, output, cached input).",
      labelNames: ["model", "kind"] as const,
      registers: [registry],
    }),
    calls: new Counter({
      name: "repowright_llm_calls_total",
      help: "Model calls by model and outcome (ok, error, cancelled, cached).",
      labelNames: ["model", "outcome"] as const,
      registers: [registry],
    }),
    cost: new Counter({
      name: "repowright_llm_cost_dollars_total",
      help: "Dollars spent on model calls, from REPOWRIGHT_LLM_PRICES.",
      labelNames: ["model"] as const,
      registers: [registry],
    }),
  };
}

/** About four characters a token: the limiter's estimate before the provider says. */
function estimateTokens(request: ModelRequest): number {
  const chars =
    (request.system?.length ?? 0) +
    JSON.stringify(request.messages).length +
    JSON.stringify(request.tools ?? []).length;
  return Math.ceil(chars / 4);
}

function requestHash(provider: string, model: string, request: ModelRequest): string {
  const { onText: _onText, stream: _stream, ...rest } = request;
  return createHash("sha256")
    .update(JSON.stringify([provider, model, rest]))
    .digest("hex");
}

/** One signal that aborts when any of these does. */
export function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (present.length === 0) return new AbortController().signal;
  return present.length === 1 ? present[0]! : AbortSignal.any(present);
}
