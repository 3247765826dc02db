/**
 * Configuration: one zod schema over environment variables, an optional `repowright.yaml` and CLI flags.
 * Precedence: defaults < file < environment < flags (overrides). The environment is a parameter, never
 * read from `process.env` here, so tests and embedders pass their own.
 *
 * Every setting is declared once in `SETTINGS`; the schema, the error messages that name a variable, and
 * the generated configuration reference (docs/configuration.md) all come from that table.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { z } from "zod";
import { AppError } from "./errors.js";

/** The YAML parser, loaded only when there is a config file to read (most runs have none). */
function parseYaml(text: string): unknown {
  const yaml = createRequire(import.meta.url)("yaml") as typeof import("yaml");
  return yaml.parse(text);
}

const bool = z
  .union([z.boolean(), z.enum(["true", "false", "1", "0", "yes", "no"])])
  .transform((v) => v === true || v === "true" || v === "1" || v === "yes");
const int = (min: number, max: number) =>
  z.coerce
    .number({ invalid_type_error: `must be a whole number from ${min} to ${max}` })
    .int(`must be a whole number from ${min} to ${max}`)
    .min(min)
    .max(max);
const list = z
  .union([z.array(z.string()), z.string()])
  .transform((v) => (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim()).filter(Boolean));

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/** One setting: where it lives in the config object, which variable sets it, its schema and its doc. */
interface Setting {
  path: readonly [string, string];
  env: string;
  schema: z.ZodTypeAny;
  doc: string;
  secret?: boolean;
}

const S = (path: readonly [string, string], env: string, schema: z.ZodTypeAny, doc: string, secret = false) =>
  ({ path, env, schema, doc, secret }) satisfies Setting;

export const SETTINGS: readonly Setting[] = [
  S(
    ["core", "home"],
    "REPOWRIGHT_HOME",
    z.string().min(1).optional(),
    "Data directory (default `~/.repowright`).",
  ),
  S(
    ["core", "logLevel"],
    "REPOWRIGHT_LOG_LEVEL",
    z.enum(LOG_LEVELS).default("info"),
    "Log level; logs go to stderr.",
  ),
  S(
    ["store", "kind"],
    "REPOWRIGHT_STORE",
    z.enum(["sqlite", "redis"]).default("sqlite"),
    "State store: embedded SQLite file in the data dir, or Redis.",
  ),
  S(
    ["store", "redisUrl"],
    "REDIS_URL",
    z.string().url().default("redis://127.0.0.1:6379"),
    "Redis URL, used when `REPOWRIGHT_STORE=redis`.",
    true,
  ),
  S(
    ["store", "redisPrefix"],
    "REPOWRIGHT_REDIS_PREFIX",
    z
      .string()
      .regex(/^[A-Za-z0-9_:.-]{1,64}$/)
      .default("rw:"),
    "Prefix of every Redis key repowright writes.",
  ),
  S(
    ["server", "toolsets"],
    "REPOWRIGHT_TOOLSETS",
    list.default(["all"]),
    "Comma-separated toolsets to serve, or `all`.",
  ),
  S(
    ["server", "readOnly"],
    "REPOWRIGHT_READ_ONLY",
    bool.default(false),
    "Serve only tools annotated read-only.",
  ),
  S(
    ["server", "excludeTools"],
    "REPOWRIGHT_EXCLUDE_TOOLS",
    list.default([]),
    "Tools not to serve, by name (comma-separated); a tool that needs one of them (create_pr_stack needs push_files) then refuses with `forbidden`.",
  ),
  S(
    ["server", "transport"],
    "REPOWRIGHT_TRANSPORT",
    z.enum(["stdio", "http"]).default("stdio"),
    "MCP transport for `serve`.",
  ),
  S(["server", "host"], "REPOWRIGHT_HOST", z.string().min(1).default("127.0.0.1"), "HTTP bind address."),
  S(["server", "port"], "REPOWRIGHT_PORT", int(0, 65535).default(8787), "HTTP port (0 picks a free one)."),
  S(
    ["server", "stateless"],
    "REPOWRIGHT_HTTP_STATELESS",
    bool.default(false),
    "HTTP without server-side sessions, for replicas behind a load balancer.",
  ),
  S(
    ["server", "allowedHosts"],
    "REPOWRIGHT_ALLOWED_HOSTS",
    list.default([]),
    "Extra Host header values accepted over HTTP (DNS-rebinding protection always allows the bind address and localhost).",
  ),
  S(
    ["server", "sessionIdleMs"],
    "REPOWRIGHT_HTTP_SESSION_IDLE_MS",
    int(1000, 7 * 24 * 3600 * 1000).default(30 * 60 * 1000),
    "An HTTP MCP session with no open request for this long is closed.",
  ),
  S(
    ["server", "workspaceRoots"],
    "REPOWRIGHT_WORKSPACE_ROOTS",
    list.optional(),
    "Comma-separated directories the server may read and work in (repositories to index, split or resolve); nothing outside them is touched and symlinks out of them are not followed. Unset: the working directory for stdio, the CLI and HTTP on loopback without auth; none for HTTP with auth or on another address (docs/security.md).",
  ),
  S(
    ["server", "toolTimeoutMs"],
    "REPOWRIGHT_TOOL_TIMEOUT_MS",
    int(100, 3_600_000).default(120_000),
    "Time limit of one tool call.",
  ),
  S(
    ["server", "breakerFailures"],
    "REPOWRIGHT_BREAKER_FAILURES",
    int(1, 1000).default(5),
    "Consecutive upstream failures (5xx, network) after which calls to that service (GitHub, Jira, web search) are paused.",
  ),
  S(
    ["server", "breakerCooldownS"],
    "REPOWRIGHT_BREAKER_COOLDOWN_S",
    int(1, 3600).default(30),
    "How long calls to a failing service stay paused before one trial call.",
  ),
  S(
    ["memory", "maxValueBytes"],
    "REPOWRIGHT_CACHE_MAX_VALUE_BYTES",
    int(1, 64 * 1024 * 1024).default(1024 * 1024),
    "Largest cache value (JSON bytes) the memory tools accept.",
  ),
  S(
    ["memory", "maxBulkKeys"],
    "REPOWRIGHT_CACHE_MAX_BULK_KEYS",
    int(1, 100_000).default(1000),
    "Most keys in one cache_mget / cache_mset call.",
  ),
  S(["github", "token"], "GITHUB_TOKEN", z.string().min(1).optional(), "GitHub personal access token.", true),
  S(
    ["github", "apiUrl"],
    "GITHUB_API_URL",
    z.string().url().default("https://api.github.com"),
    "GitHub REST API base URL (GitHub Enterprise: `https://HOST/api/v3`).",
  ),
  S(
    ["github", "appId"],
    "GITHUB_APP_ID",
    z.string().min(1).optional(),
    "GitHub App id (instead of a token).",
  ),
  S(
    ["github", "appPrivateKey"],
    "GITHUB_APP_PRIVATE_KEY",
    z.string().min(1).optional(),
    "GitHub App private key (PEM).",
    true,
  ),
  S(
    ["github", "appPrivateKeyPath"],
    "GITHUB_APP_PRIVATE_KEY_PATH",
    z.string().min(1).optional(),
    "Path of the GitHub App private key file.",
  ),
  S(
    ["github", "appInstallationId"],
    "GITHUB_APP_INSTALLATION_ID",
    z.string().min(1).optional(),
    "GitHub App installation id.",
  ),
  S(
    ["github", "maxRetries"],
    "GITHUB_MAX_RETRIES",
    int(0, 10).default(3),
    "Retries of a GitHub request after a 5xx, a network error or a rate limit.",
  ),
  S(
    ["github", "maxRetryWaitS"],
    "GITHUB_MAX_RETRY_WAIT_S",
    int(0, 3600).default(60),
    "Longest rate-limit wait (Retry-After / reset) a GitHub tool sleeps through; longer ones fail at once as `rate_limited`.",
  ),
  S(
    ["github", "writeIntervalMs"],
    "GITHUB_WRITE_INTERVAL_MS",
    int(0, 60_000).default(1000),
    "Least time between two mutating GitHub requests (GitHub's guidance against secondary rate limits); searches wait twice this, writes that notify people (comments, reviews, merges) three times.",
  ),
  S(
    ["code", "embedder"],
    "REPOWRIGHT_EMBEDDER",
    z.enum(["lsi", "local", "openai", "none"]).default("lsi"),
    "Embedder for semantic code search: `lsi` (offline, learned from the repository), `local` (ONNX model dir), `openai` (any OpenAI-compatible /embeddings endpoint), `none`.",
  ),
  S(
    ["code", "modelDir"],
    "REPOWRIGHT_EMBEDDING_MODEL_DIR",
    z.string().min(1).optional(),
    "Local embedding model directory, for `REPOWRIGHT_EMBEDDER=local`.",
  ),
  S(
    ["code", "embeddingUrl"],
    "REPOWRIGHT_EMBEDDING_URL",
    z.string().url().optional(),
    "Base URL of an OpenAI-compatible embeddings API, for `REPOWRIGHT_EMBEDDER=openai`.",
  ),
  S(
    ["code", "embeddingModel"],
    "REPOWRIGHT_EMBEDDING_MODEL",
    z.string().min(1).optional(),
    "Model name sent to the embeddings API.",
  ),
  S(
    ["code", "embeddingApiKey"],
    "REPOWRIGHT_EMBEDDING_API_KEY",
    z.string().min(1).optional(),
    "API key of the embeddings endpoint.",
    true,
  ),
  S(
    ["code", "maxFileBytes"],
    "REPOWRIGHT_CODE_MAX_FILE_BYTES",
    int(1024, 256 * 1024 * 1024).default(1024 * 1024),
    "Largest file the code index chunks by syntax (functions, classes); bigger files are indexed in line windows within `REPOWRIGHT_CODE_LARGE_FILES_BYTES`.",
  ),
  S(
    ["code", "largeFilesBytes"],
    "REPOWRIGHT_CODE_LARGE_FILES_BYTES",
    int(0, 4 * 1024 * 1024 * 1024).default(64 * 1024 * 1024),
    "Total bytes of files over `REPOWRIGHT_CODE_MAX_FILE_BYTES` one repository's index takes in line windows (in path order; the rest are skipped with the reason recorded; 0: skip them all).",
  ),
  S(
    ["code", "index"],
    "REPOWRIGHT_CODE_INDEX",
    z.enum(["sqlite", "postgres"]).default("sqlite"),
    "Where code indexes live: one SQLite file per repository in the data dir, or PostgreSQL (`REPOWRIGHT_CODE_INDEX_URL`), shared by every replica and worker. See docs/code.md.",
  ),
  S(
    ["code", "indexUrl"],
    "REPOWRIGHT_CODE_INDEX_URL",
    z
      .string()
      .url()
      .refine((u) => /^postgres(ql)?:\/\//i.test(u), "must be a postgres:// or postgresql:// URL")
      .optional(),
    "PostgreSQL URL of the code index, for `REPOWRIGHT_CODE_INDEX=postgres` (e.g. `postgres://user:password@db:5432/repowright`).",
    true,
  ),
  S(
    ["code", "indexSchema"],
    "REPOWRIGHT_CODE_INDEX_SCHEMA",
    z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/)
      .default("repowright_code"),
    "PostgreSQL schema of the code index tables (created on first use).",
  ),
  S(
    ["code", "indexPoolSize"],
    "REPOWRIGHT_CODE_INDEX_POOL_SIZE",
    int(1, 100).default(4),
    "Connections this process opens to the code index's PostgreSQL at most.",
  ),
  S(
    ["web", "allowPrivate"],
    "REPOWRIGHT_WEB_ALLOW_PRIVATE",
    bool.default(false),
    "Let web_fetch reach loopback, private and link-local addresses (off: a model cannot make the server fetch your internal network).",
  ),
  S(
    ["web", "maxBytes"],
    "REPOWRIGHT_WEB_MAX_BYTES",
    int(1024, 64 * 1024 * 1024).default(5 * 1024 * 1024),
    "Most bytes web_fetch reads of one page.",
  ),
  S(
    ["web", "search"],
    "REPOWRIGHT_WEB_SEARCH",
    z.enum(["none", "searxng", "brave", "google"]).default("none"),
    "Default search provider of web_search: a SearXNG instance, the Brave Search API or Google Programmable Search (each needs its settings below; a call may name any configured one). `none`: the first configured one.",
  ),
  S(
    ["web", "searchUrl"],
    "REPOWRIGHT_WEB_SEARCH_URL",
    z.string().url().optional(),
    "Base URL of the default provider (`REPOWRIGHT_WEB_SEARCH`), instead of its own URL setting: SearXNG's instance, or another endpoint for Brave or Google.",
  ),
  S(
    ["web", "searxngUrl"],
    "REPOWRIGHT_WEB_SEARXNG_URL",
    z.string().url().optional(),
    "SearXNG instance (JSON format enabled) for web_search.",
  ),
  S(["web", "braveApiKey"], "BRAVE_API_KEY", z.string().min(1).optional(), "Brave Search API key.", true),
  S(
    ["web", "braveUrl"],
    "REPOWRIGHT_WEB_BRAVE_URL",
    z.string().url().default("https://api.search.brave.com"),
    "Brave Search API base URL.",
  ),
  S(
    ["web", "googleApiKey"],
    "GOOGLE_CSE_API_KEY",
    z.string().min(1).optional(),
    "Google Programmable Search (Custom Search JSON API) key.",
    true,
  ),
  S(
    ["web", "googleCx"],
    "GOOGLE_CSE_ID",
    z.string().min(1).optional(),
    "Google Programmable Search engine id (`cx`).",
  ),
  S(
    ["web", "googleUrl"],
    "REPOWRIGHT_WEB_GOOGLE_URL",
    z.string().url().default("https://www.googleapis.com"),
    "Google Custom Search JSON API base URL.",
  ),
  S(
    ["web", "robots"],
    "REPOWRIGHT_WEB_ROBOTS",
    bool.default(false),
    "Respect robots.txt in web_fetch (RFC 9309, user agent `repowright`): a disallowed page is `forbidden`.",
  ),
  S(
    ["web", "cacheTtlS"],
    "REPOWRIGHT_WEB_CACHE_TTL_S",
    int(0, 7 * 24 * 3600).default(300),
    "How long fetched pages (and robots.txt files) are kept in the store, so reading on at an offset does not fetch again; 0 turns the cache off.",
  ),
  S(
    ["web", "hostRatePerMinute"],
    "REPOWRIGHT_WEB_HOST_RATE",
    int(0, 100_000).default(60),
    "Most page fetches per site (host) per minute, counted in the store (shared by replicas on Redis); 0 for no limit.",
  ),
  S(
    ["web", "batchConcurrency"],
    "REPOWRIGHT_WEB_BATCH_CONCURRENCY",
    int(1, 32).default(4),
    "Most pages web_fetch_batch fetches at once.",
  ),
  S(
    ["frappe", "url"],
    "FRAPPE_URL",
    z.string().url().optional(),
    "Frappe / ERPNext site, e.g. `https://erp.example.com` (the frappe toolset is served with this, `FRAPPE_API_KEY` and `FRAPPE_API_SECRET`).",
  ),
  S(
    ["frappe", "apiKey"],
    "FRAPPE_API_KEY",
    z.string().min(1).optional(),
    "Frappe API key of the integration user.",
  ),
  S(["frappe", "apiSecret"], "FRAPPE_API_SECRET", z.string().min(1).optional(), "Frappe API secret.", true),
  S(
    ["jira", "url"],
    "JIRA_URL",
    z.string().url().optional(),
    "Jira site: Cloud, e.g. `https://acme.atlassian.net` (served with `JIRA_EMAIL` and `JIRA_API_TOKEN`), or Data Center / Server, e.g. `https://jira.example.com` (served with `JIRA_PERSONAL_TOKEN`).",
  ),
  S(
    ["jira", "email"],
    "JIRA_EMAIL",
    z.string().min(3).optional(),
    "Atlassian account email for the API token.",
  ),
  S(["jira", "apiToken"], "JIRA_API_TOKEN", z.string().min(1).optional(), "Atlassian API token.", true),
  S(
    ["jira", "personalToken"],
    "JIRA_PERSONAL_TOKEN",
    z.string().min(1).optional(),
    "Jira Data Center / Server personal access token (sent as `Authorization: Bearer`).",
    true,
  ),
  S(
    ["jira", "deployment"],
    "JIRA_DEPLOYMENT",
    z.enum(["cloud", "datacenter"]).optional(),
    "`cloud` (REST API v3, Atlassian Document Format) or `datacenter` (Data Center / Server: REST API v2, plain-text bodies); default: `datacenter` when `JIRA_PERSONAL_TOKEN` is set, else `cloud`.",
  ),
  S(
    ["auth", "mode"],
    "REPOWRIGHT_AUTH",
    z.enum(["none", "jwt"]).default("none"),
    "Authentication of HTTP callers: `none`, or `jwt` (a bearer JWT from your identity provider on every request).",
  ),
  S(
    ["auth", "jwksUrl"],
    "REPOWRIGHT_AUTH_JWKS_URL",
    z.string().url().optional(),
    "JWKS endpoint of the identity provider whose keys sign the tokens (with `REPOWRIGHT_AUTH=jwt`).",
  ),
  S(
    ["auth", "jwtSecret"],
    "REPOWRIGHT_AUTH_JWT_SECRET",
    z.string().min(32, "use at least 32 characters").optional(),
    "Shared secret for HS256-signed tokens, instead of a JWKS endpoint or public key.",
    true,
  ),
  S(
    ["auth", "publicKey"],
    "REPOWRIGHT_AUTH_JWT_PUBLIC_KEY",
    z.string().includes("BEGIN PUBLIC KEY", { message: "must be a PEM (SPKI) public key" }).optional(),
    "PEM public key (RSA or EC) that verifies the tokens, instead of a JWKS endpoint.",
  ),
  S(["auth", "issuer"], "REPOWRIGHT_AUTH_ISSUER", z.string().min(1).optional(), "Required `iss` of tokens."),
  S(
    ["auth", "audience"],
    "REPOWRIGHT_AUTH_AUDIENCE",
    z.string().min(1).optional(),
    "Required `aud` of tokens.",
  ),
  S(
    ["auth", "rolesClaim"],
    "REPOWRIGHT_AUTH_ROLES_CLAIM",
    z.string().min(1).default("roles"),
    "Claim that holds the caller's roles (an array or a space/comma-separated string); a dotted path reaches nested claims (`realm_access.roles`).",
  ),
  S(
    ["auth", "readRoles"],
    "REPOWRIGHT_AUTH_READ_ROLES",
    list.default(["*"]),
    "Roles that may call read-only tools; `*` is any authenticated caller.",
  ),
  S(
    ["auth", "writeRoles"],
    "REPOWRIGHT_AUTH_WRITE_ROLES",
    list.default(["maintainer", "admin"]),
    "Roles that may call every tool (tools that write, too); `*` is any authenticated caller.",
  ),
  S(
    ["auth", "rateLimits"],
    "REPOWRIGHT_RATE_LIMITS",
    list.default([]),
    "Tool calls per minute per caller, by role: `reader=60,maintainer=600,*=120` (a caller gets the highest of its roles; `*` for everyone else). Counted in the store, so replicas on Redis share them.",
  ),
  S(
    ["audit", "mode"],
    "REPOWRIGHT_AUDIT",
    z.enum(["auto", "on", "off"]).default("auto"),
    "Audit log of tool calls (who, what, outcome) in the store: `auto` records when `REPOWRIGHT_AUTH` is on.",
  ),
  S(
    ["audit", "retentionDays"],
    "REPOWRIGHT_AUDIT_RETENTION_DAYS",
    int(1, 3650).default(90),
    "How long audit records are kept.",
  ),
  S(
    ["code", "rerank"],
    "REPOWRIGHT_CODE_RERANK",
    z.enum(["none", "cheap", "strong"]).default("none"),
    "Which configured model (REPOWRIGHT_LLM_*) re-orders search_codebase's best files by reading their outlines, when a search does not say (its `rerank` input); `none`: the retrieval order.",
  ),
  S(
    ["code", "rerankCandidates"],
    "REPOWRIGHT_CODE_RERANK_CANDIDATES",
    int(2, 100).default(20),
    "How many of the best files the re-ranking model reads (their outlines: definitions and line ranges).",
  ),
  S(
    ["code", "maxOpenIndexes"],
    "REPOWRIGHT_CODE_MAX_OPEN_INDEXES",
    int(1, 1000).default(8),
    "Repository indexes a server keeps open (with their chunk table and vectors in memory); the least recently used idle one is closed beyond this.",
  ),
  S(
    ["sandbox", "level"],
    "REPOWRIGHT_SANDBOX",
    z.enum(["auto", "bubblewrap", "process"]).default("auto"),
    "Isolation of a repository's own commands (install, test) run by the agents: `bubblewrap` (read-only root, private /tmp and home, no network; an error where bwrap cannot run), `process` (own process group, scrubbed environment and limits only), or `auto` (bubblewrap when it works, else process, recorded with the reason). See docs/sandbox.md.",
  ),
  S(
    ["sandbox", "timeoutS"],
    "REPOWRIGHT_SANDBOX_TIMEOUT_S",
    int(1, 24 * 3600).default(900),
    "Longest a sandboxed command may run; then its whole process group is killed (SIGTERM, SIGKILL after a grace).",
  ),
  S(
    ["sandbox", "maxOutputBytes"],
    "REPOWRIGHT_SANDBOX_MAX_OUTPUT_BYTES",
    int(1024, 256 * 1024 * 1024).default(1024 * 1024),
    "Output kept per stream of a sandboxed command: the head and the tail, with the number of bytes dropped between them.",
  ),
  S(
    ["sandbox", "network"],
    "REPOWRIGHT_SANDBOX_NETWORK",
    bool.default(false),
    "Let sandboxed commands reach the network (under bubblewrap; the process level never isolates the network).",
  ),
  S(
    ["llm", "provider"],
    "REPOWRIGHT_LLM_PROVIDER",
    z.enum(["anthropic", "openai"]).default("anthropic"),
    "Wire protocol of the agents' model: `anthropic` (Messages API) or `openai` (chat completions: OpenAI, Azure, Ollama, vLLM, LM Studio).",
  ),
  S(
    ["llm", "baseUrl"],
    "REPOWRIGHT_LLM_BASE_URL",
    z.string().url().optional(),
    "Base URL of the model API (default: the provider's own; e.g. `http://127.0.0.1:11434/v1` for Ollama).",
  ),
  S(
    ["llm", "apiKey"],
    "REPOWRIGHT_LLM_API_KEY",
    z.string().min(1).optional(),
    "API key of the model provider (falls back to ANTHROPIC_API_KEY or OPENAI_API_KEY by provider).",
    true,
  ),
  S(
    ["llm", "anthropicApiKey"],
    "ANTHROPIC_API_KEY",
    z.string().min(1).optional(),
    "Anthropic API key.",
    true,
  ),
  S(["llm", "openaiApiKey"], "OPENAI_API_KEY", z.string().min(1).optional(), "OpenAI API key.", true),
  S(
    ["llm", "strongModel"],
    "REPOWRIGHT_LLM_MODEL",
    z.string().min(1).default("claude-sonnet-4-5"),
    "The model for hard work (editing code, diagnosing): the strong tier.",
  ),
  S(
    ["llm", "cheapModel"],
    "REPOWRIGHT_LLM_CHEAP_MODEL",
    z.string().min(1).default("claude-haiku-4-5"),
    "The model for simple work (classifying, summarising): the cheap tier.",
  ),
  S(
    ["llm", "requestsPerWindow"],
    "REPOWRIGHT_LLM_RPM",
    int(0, 1_000_000).default(50),
    "Requests per model per window (a minute), shared by every replica on the store; 0 = no limit.",
  ),
  S(
    ["llm", "inputTokensPerWindow"],
    "REPOWRIGHT_LLM_INPUT_TPM",
    int(0, 1_000_000_000).default(0),
    "Input tokens per model per window; 0 = no limit.",
  ),
  S(
    ["llm", "outputTokensPerWindow"],
    "REPOWRIGHT_LLM_OUTPUT_TPM",
    int(0, 1_000_000_000).default(0),
    "Output tokens per model per window; 0 = no limit.",
  ),
  S(
    ["llm", "windowMs"],
    "REPOWRIGHT_LLM_WINDOW_MS",
    int(100, 3_600_000).default(60_000),
    "Length of the rate-limit window in milliseconds (a minute, as providers count).",
  ),
  S(
    ["llm", "maxRetries"],
    "REPOWRIGHT_LLM_MAX_RETRIES",
    int(0, 10).default(4),
    "Retries of a model call on 408/409/429/5xx and dropped connections, honouring `retry-after` (by the SDK).",
  ),
  S(
    ["llm", "timeoutS"],
    "REPOWRIGHT_LLM_TIMEOUT_S",
    int(1, 3600).default(600),
    "Longest a model call may take.",
  ),
  S(
    ["llm", "prices"],
    "REPOWRIGHT_LLM_PRICES",
    z
      .union([z.string(), z.record(z.string(), z.unknown())])
      .transform((v, ctx) => {
        if (typeof v !== "string") return v;
        try {
          return JSON.parse(v) as unknown;
        } catch {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: "must be JSON" });
          return z.NEVER;
        }
      })
      .pipe(
        z.record(
          z.string(),
          z.object({
            input: z.number().min(0),
            output: z.number().min(0),
            cached: z.number().min(0).optional(),
          }),
        ),
      )
      .default({}),
    'Dollars per million tokens by model, JSON: `{"claude-sonnet-4-5":{"input":3,"output":15,"cached":0.3}}`; models not listed cost 0 (budgets in dollars then never trip).',
  ),
  S(
    ["llm", "cacheTtlS"],
    "REPOWRIGHT_LLM_CACHE_TTL_S",
    int(0, 30 * 86400).default(0),
    "Keep model answers in the store for this long, keyed by a hash of the whole request; 0 = off (agent loops want fresh answers).",
  ),
  S(
    ["github", "webhookSecret"],
    "GITHUB_WEBHOOK_SECRET",
    z.string().min(1).optional(),
    "Secret of the GitHub webhook: when set, `serve --transport http` accepts deliveries at `/webhooks/github` (signature checked).",
    true,
  ),
  S(
    ["github", "webhookMaxBytes"],
    "REPOWRIGHT_WEBHOOK_MAX_BYTES",
    int(1024, 100 * 1024 * 1024).default(25 * 1024 * 1024),
    "Largest webhook delivery accepted (GitHub caps payloads at 25 MB).",
  ),
  S(
    ["resolver", "label"],
    "REPOWRIGHT_RESOLVER_LABEL",
    z.string().min(1).max(50).default("auto-fix"),
    "The issue label that starts the resolver (an issues `labeled` webhook); a comment `@repowright fix` does too.",
  ),
  S(
    ["resolver", "triggerPermissions"],
    "REPOWRIGHT_RESOLVER_TRIGGER_PERMISSIONS",
    list.default(["admin", "maintain", "write"]),
    "Repository permissions whose holders may trigger the resolver; anyone else's label or comment does nothing.",
  ),
  S(
    ["resolver", "allowBots"],
    "REPOWRIGHT_RESOLVER_ALLOW_BOTS",
    bool.default(false),
    "Whether bot accounts (`[bot]` logins, type Bot) may trigger the resolver.",
  ),
  S(
    ["resolver", "maxTurns"],
    "REPOWRIGHT_RESOLVER_MAX_TURNS",
    int(1, 500).default(40),
    "Model turns per run at most.",
  ),
  S(
    ["resolver", "maxDollars"],
    "REPOWRIGHT_RESOLVER_MAX_DOLLARS",
    z.coerce.number().min(0).max(10_000).default(5),
    "Dollars per run at most (from REPOWRIGHT_LLM_PRICES).",
  ),
  S(
    ["resolver", "maxTokens"],
    "REPOWRIGHT_RESOLVER_MAX_TOKENS",
    int(1000, 100_000_000).default(2_000_000),
    "Input plus output tokens per run at most.",
  ),
  S(
    ["resolver", "maxWallS"],
    "REPOWRIGHT_RESOLVER_MAX_WALL_S",
    int(10, 86_400).default(3600),
    "Wall time per run at most, tests included.",
  ),
  S(
    ["resolver", "stallTurns"],
    "REPOWRIGHT_RESOLVER_STALL_TURNS",
    int(2, 100).default(6),
    "Stop when the change has not changed for this many turns after the first edit, or the same test failure repeats this often.",
  ),
  S(
    ["resolver", "exploreTurns"],
    "REPOWRIGHT_RESOLVER_EXPLORE_TURNS",
    int(2, 500).default(20),
    "Stop when the model has made no edit in this many turns (reading and searching without ever changing a file).",
  ),
  S(
    ["resolver", "maxFiles"],
    "REPOWRIGHT_RESOLVER_MAX_FILES",
    int(1, 1000).default(10),
    "Files a change may touch.",
  ),
  S(
    ["resolver", "maxLines"],
    "REPOWRIGHT_RESOLVER_MAX_LINES",
    int(1, 100_000).default(500),
    "Lines a change may add plus delete.",
  ),
  S(
    ["resolver", "allowWorkflows"],
    "REPOWRIGHT_RESOLVER_ALLOW_WORKFLOWS",
    bool.default(false),
    "Whether a change may edit files under `.github/workflows`.",
  ),
  S(
    ["resolver", "allowLockfiles"],
    "REPOWRIGHT_RESOLVER_ALLOW_LOCKFILES",
    bool.default(false),
    "Whether a change may touch lockfiles (package-lock.json, Cargo.lock, poetry.lock, ...).",
  ),
  S(
    ["resolver", "forkOwner"],
    "REPOWRIGHT_RESOLVER_FORK_OWNER",
    z.string().max(39).default(""),
    "The account or organization whose fork of the issue's repository gets the resolver's branches (the pull request's head is `owner:branch`). Empty: the issue's repository when the token can push there, else a fork in the token's own account.",
  ),
  S(
    ["resolver", "installNetwork"],
    "REPOWRIGHT_RESOLVER_INSTALL_NETWORK",
    bool.default(true),
    "Whether the install step (not the tests) may use the network inside the sandbox.",
  ),
  S(
    ["ci", "maxFixCommits"],
    "REPOWRIGHT_CI_MAX_FIX_COMMITS",
    int(0, 50).default(3),
    "Fix commits the CI doctor pushes per pull request (or branch) at most; 0 only re-runs and reports.",
  ),
  S(
    ["ci", "pushToPrBranch"],
    "REPOWRIGHT_CI_PUSH_TO_PR_BRANCH",
    bool.default(false),
    "Whether the CI doctor commits its fix to the failing pull request's own branch (same repository only) instead of a branch of its own with a pull request.",
  ),
  S(
    ["ci", "verifyTimeoutS"],
    "REPOWRIGHT_CI_VERIFY_TIMEOUT_S",
    int(10, 6 * 3600).default(3600),
    "How long the CI doctor waits for the run that verifies a fix or a re-run.",
  ),
  S(
    ["ci", "triggerWaitS"],
    "REPOWRIGHT_CI_TRIGGER_WAIT_S",
    int(0, 3600).default(60),
    "How long the CI doctor waits for a pushed fix to start a run before it dispatches the workflow itself.",
  ),
  S(
    ["ci", "pollS"],
    "REPOWRIGHT_CI_POLL_S",
    int(1, 600).default(15),
    "Seconds between the CI doctor's polls (`ci watch`, and while it waits for a run).",
  ),
  S(
    ["ci", "installNetwork"],
    "REPOWRIGHT_CI_INSTALL_NETWORK",
    bool.default(true),
    "Whether the CI doctor's fix commands (dependency install, lockfile refresh) may use the network inside the sandbox.",
  ),
  S(
    ["flows", "dirs"],
    "REPOWRIGHT_FLOWS_DIRS",
    list.default(["flows"]),
    "Directories of flow files (comma-separated, relative to the working directory); the flows shipped with repowright come after them.",
  ),
  // The PR analyzer (prs toolset): how a working tree's changes become a stack of pull requests.
  S(
    ["prs", "strategy"],
    "REPOWRIGHT_PRS_STRATEGY",
    z.enum(["directory", "dependency", "semantic", "hybrid"]).default("hybrid"),
    "How suggest_pr_boundaries groups changes when not told: by `directory`, by the `dependency` (import) graph, by `semantic` similarity (a model's topics when REPOWRIGHT_PRS_MODEL is set), or `hybrid` (dependencies and directories, large directories divided by topic).",
  ),
  S(
    ["prs", "maxFilesPerPr"],
    "REPOWRIGHT_PRS_MAX_FILES",
    int(1, 10_000).default(50),
    "Most files in one pull request of a split (a larger import cycle stays whole, with a warning); validate_pr_groups checks it.",
  ),
  S(
    ["prs", "maxLinesPerPr"],
    "REPOWRIGHT_PRS_MAX_LINES",
    int(1, 10_000_000).default(2000),
    "Most changed lines (added + deleted) in one pull request, as validate_pr_groups checks it.",
  ),
  S(
    ["prs", "excludePatterns"],
    "REPOWRIGHT_PRS_EXCLUDE",
    list.default([]),
    "Globs of changed paths analyze_repository leaves out of a split (comma-separated), e.g. `dist/**,**/*.min.js`.",
  ),
  S(
    ["prs", "requireTestsWithCode"],
    "REPOWRIGHT_PRS_TESTS_WITH_CODE",
    bool.default(true),
    "Whether validate_pr_groups requires each changed test in the same pull request as the changed code it tests.",
  ),
  S(
    ["prs", "testCommand"],
    "REPOWRIGHT_PRS_TEST_COMMAND",
    z.string().min(1).optional(),
    'A shell command validate_pr_groups runs (in the sandbox) on each stacked branch\'s tree when asked to, e.g. `npm test`; also named under "How tested" in generated bodies.',
  ),
  S(
    ["prs", "titleTemplate"],
    "REPOWRIGHT_PRS_TITLE_TEMPLATE",
    z.string().min(1).default("{type}({scope}): {summary}"),
    "Pull request titles generate_pr_metadata writes; placeholders `{type}`, `{scope}`, `{summary}`, `{index}`, `{total}`.",
  ),
  S(
    ["prs", "bodyTemplate"],
    "REPOWRIGHT_PRS_BODY_TEMPLATE",
    z.string().min(1).optional(),
    "Pull request bodies generate_pr_metadata writes (default: Why / What / How tested sections); placeholders `{why}`, `{what}`, `{tested}`, `{files}`, `{index}`, `{total}`, `{type}`, `{scope}`, `{summary}`.",
  ),
  S(
    ["prs", "model"],
    "REPOWRIGHT_PRS_MODEL",
    z.enum(["none", "cheap", "strong"]).default("none"),
    "Which configured model (REPOWRIGHT_LLM_*) writes pull request metadata and names semantic topics; `none`: deterministic, from the files.",
  ),
  S(
    ["queue", "engine"],
    "REPOWRIGHT_QUEUE",
    z.enum(["auto", "sqlite", "bullmq"]).default("auto"),
    "Job queue: `auto` = BullMQ when the store is Redis, else the embedded SQLite queue in the data dir.",
  ),
  S(
    ["queue", "concurrency"],
    "REPOWRIGHT_QUEUE_CONCURRENCY",
    int(1, 256).default(2),
    "Jobs one worker (the server, or each `repowright worker`) runs at once.",
  ),
  S(
    ["queue", "serverWorkers"],
    "REPOWRIGHT_QUEUE_SERVER_WORKS",
    bool.default(true),
    "Whether `repowright serve` works jobs itself; `false` leaves them to `repowright worker` processes.",
  ),
  S(
    ["queue", "attempts"],
    "REPOWRIGHT_QUEUE_ATTEMPTS",
    int(1, 100).default(3),
    "Attempts per job, the first included (a job whose worker died counts one); then it is dead.",
  ),
  S(
    ["queue", "backoffMs"],
    "REPOWRIGHT_QUEUE_BACKOFF_MS",
    int(0, 3_600_000).default(2000),
    "Delay before a failed job's first retry; each next retry waits twice as long.",
  ),
  S(
    ["queue", "leaseMs"],
    "REPOWRIGHT_QUEUE_LEASE_MS",
    int(200, 3_600_000).default(30_000),
    "How long a worker holds a job without renewing (it renews while alive): a killed worker's job runs again after this.",
  ),
];

type Section = Record<string, unknown>;

function buildSchema() {
  const sections: Record<string, Record<string, z.ZodTypeAny>> = {};
  for (const s of SETTINGS) {
    const [section, key] = s.path;
    sections[section] ??= {};
    sections[section][key] = s.schema;
  }
  const shape: Record<string, z.ZodTypeAny> = {};
  for (const [name, fields] of Object.entries(sections)) shape[name] = z.object(fields).strict().default({});
  return z.object(shape).strict();
}

const configSchema = buildSchema();

export interface Config {
  core: { home: string; logLevel: (typeof LOG_LEVELS)[number] };
  store: { kind: "sqlite" | "redis"; redisUrl: string; redisPrefix: string };
  server: {
    toolsets: string[];
    readOnly: boolean;
    excludeTools: string[];
    transport: "stdio" | "http";
    host: string;
    port: number;
    stateless: boolean;
    allowedHosts: string[];
    sessionIdleMs: number;
    workspaceRoots?: string[];
    toolTimeoutMs: number;
    breakerFailures: number;
    breakerCooldownS: number;
  };
  memory: { maxValueBytes: number; maxBulkKeys: number };
  github: {
    token?: string;
    apiUrl: string;
    appId?: string;
    appPrivateKey?: string;
    appPrivateKeyPath?: string;
    appInstallationId?: string;
    maxRetries: number;
    maxRetryWaitS: number;
    writeIntervalMs: number;
    webhookSecret?: string;
    webhookMaxBytes: number;
  };
  code: {
    embedder: "lsi" | "local" | "openai" | "none";
    modelDir?: string;
    embeddingUrl?: string;
    embeddingModel?: string;
    embeddingApiKey?: string;
    maxFileBytes: number;
    largeFilesBytes: number;
    maxOpenIndexes: number;
    index: "sqlite" | "postgres";
    indexUrl?: string;
    indexSchema: string;
    indexPoolSize: number;
    rerank: "none" | "cheap" | "strong";
    rerankCandidates: number;
  };
  sandbox: {
    level: "auto" | "bubblewrap" | "process";
    timeoutS: number;
    maxOutputBytes: number;
    network: boolean;
  };
  jira: {
    url?: string;
    email?: string;
    apiToken?: string;
    personalToken?: string;
    deployment?: "cloud" | "datacenter";
  };
  frappe: { url?: string; apiKey?: string; apiSecret?: string };
  web: {
    allowPrivate: boolean;
    maxBytes: number;
    search: "none" | "searxng" | "brave" | "google";
    searchUrl?: string;
    searxngUrl?: string;
    braveApiKey?: string;
    braveUrl: string;
    googleApiKey?: string;
    googleCx?: string;
    googleUrl: string;
    robots: boolean;
    cacheTtlS: number;
    hostRatePerMinute: number;
    batchConcurrency: number;
  };
  auth: {
    mode: "none" | "jwt";
    jwksUrl?: string;
    jwtSecret?: string;
    publicKey?: string;
    issuer?: string;
    audience?: string;
    rolesClaim: string;
    readRoles: string[];
    writeRoles: string[];
    rateLimits: string[];
  };
  audit: { mode: "auto" | "on" | "off"; retentionDays: number };
  llm: {
    provider: "anthropic" | "openai";
    baseUrl?: string;
    apiKey?: string;
    anthropicApiKey?: string;
    openaiApiKey?: string;
    strongModel: string;
    cheapModel: string;
    requestsPerWindow: number;
    inputTokensPerWindow: number;
    outputTokensPerWindow: number;
    windowMs: number;
    maxRetries: number;
    timeoutS: number;
    prices: Record<string, { input: number; output: number; cached?: number }>;
    cacheTtlS: number;
  };
  resolver: {
    label: string;
    triggerPermissions: string[];
    allowBots: boolean;
    maxTurns: number;
    maxDollars: number;
    maxTokens: number;
    maxWallS: number;
    stallTurns: number;
    exploreTurns: number;
    maxFiles: number;
    maxLines: number;
    allowWorkflows: boolean;
    allowLockfiles: boolean;
    forkOwner: string;
    installNetwork: boolean;
  };
  ci: {
    maxFixCommits: number;
    pushToPrBranch: boolean;
    verifyTimeoutS: number;
    triggerWaitS: number;
    pollS: number;
    installNetwork: boolean;
  };
  flows: { dirs: string[] };
  prs: {
    strategy: "directory" | "dependency" | "semantic" | "hybrid";
    maxFilesPerPr: number;
    maxLinesPerPr: number;
    excludePatterns: string[];
    requireTestsWithCode: boolean;
    testCommand?: string;
    titleTemplate: string;
    bodyTemplate?: string;
    model: "none" | "cheap" | "strong";
  };
  queue: {
    engine: "auto" | "sqlite" | "bullmq";
    concurrency: number;
    serverWorkers: boolean;
    attempts: number;
    backoffMs: number;
    leaseMs: number;
  };
}

/** Partial config in the nested shape, as flags or tests give it. */
export type ConfigOverrides = { [K in keyof Config]?: Partial<Config[K]> };

export interface LoadConfigOptions {
  env?: Record<string, string | undefined>;
  /** Path of a YAML file; default: `REPOWRIGHT_CONFIG`, else `./repowright.yaml` when it exists. */
  file?: string;
  cwd?: string;
  overrides?: ConfigOverrides;
}

export function loadConfig(options: LoadConfigOptions = {}): Readonly<Config> {
  const env = options.env ?? {};
  const cwd = options.cwd ?? process.cwd();
  const raw: Record<string, Section> = {};
  const origin = new Map<string, string>();
  const put = (path: readonly [string, string], value: unknown, from: string) => {
    const [section, key] = path;
    raw[section] ??= {};
    raw[section][key] = value;
    origin.set(`${section}.${key}`, from);
  };

  const file =
    options.file ??
    env["REPOWRIGHT_CONFIG"] ??
    (existsSync(join(cwd, "repowright.yaml")) ? join(cwd, "repowright.yaml") : undefined);
  if (file) {
    const path = resolve(cwd, file);
    let parsed: unknown;
    try {
      parsed = parseYaml(readFileSync(path, "utf8"));
    } catch (err) {
      throw new AppError("config_invalid", `cannot read config file ${path}: ${(err as Error).message}`);
    }
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new AppError(
          "config_invalid",
          `config file ${path} must be a mapping of sections (core, store, server, ...)`,
        );
      }
      for (const [section, fields] of Object.entries(parsed as Record<string, unknown>)) {
        if (fields === null || typeof fields !== "object" || Array.isArray(fields)) {
          throw new AppError("config_invalid", `${path}: section "${section}" must be a mapping`);
        }
        for (const [key, value] of Object.entries(fields as Record<string, unknown>)) {
          put([section, key], value, `${section}.${key} in ${path}`);
        }
      }
    }
  }
  for (const s of SETTINGS) {
    const value = env[s.env];
    if (value !== undefined && value !== "") put(s.path, value, s.env);
  }
  for (const [section, fields] of Object.entries(options.overrides ?? {})) {
    for (const [key, value] of Object.entries(fields ?? {})) {
      if (value !== undefined) put([section, key], value, `--${key}`);
    }
  }

  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const messages = result.error.issues.map((issue) => {
      const [section, key] = issue.path.map(String);
      const setting = SETTINGS.find((s) => s.path[0] === section && s.path[1] === key);
      const name =
        (section && key && origin.get(`${section}.${key}`)) ?? setting?.env ?? issue.path.join(".");
      const allowed =
        "options" in issue && Array.isArray(issue.options) ? ` (allowed: ${issue.options.join(", ")})` : "";
      if (issue.code === "unrecognized_keys")
        return `unknown setting ${issue.keys.map((k) => (section ? `${section}.${k}` : k)).join(", ")}`;
      return `${name}: ${issue.message}${allowed}`;
    });
    throw new AppError("config_invalid", `invalid configuration:\n  ${messages.join("\n  ")}`);
  }
  const config = result.data as unknown as Config;
  checkAuth(config, origin);
  config.core.home = resolve(
    cwd,
    config.core.home ?? env["REPOWRIGHT_HOME"] ?? join(env["HOME"] ?? homedir(), ".repowright"),
  );
  return deepFreeze(config);
}

/** Settings that only make sense together: a JWT mode needs exactly one way to verify tokens. */
function checkAuth(config: Config, origin: Map<string, string>): void {
  const a = config.auth;
  const keys = [a.jwksUrl, a.jwtSecret, a.publicKey].filter((k) => k !== undefined).length;
  if (a.mode === "jwt" && keys !== 1) {
    throw new AppError(
      "config_invalid",
      `invalid configuration:\n  ${origin.get("auth.mode") ?? "REPOWRIGHT_AUTH"}=jwt needs exactly one of REPOWRIGHT_AUTH_JWKS_URL, REPOWRIGHT_AUTH_JWT_SECRET or REPOWRIGHT_AUTH_JWT_PUBLIC_KEY (${keys} given)`,
    );
  }
  for (const rule of a.rateLimits) {
    if (!/^[^=\s]+=\d+$/.test(rule) || Number(rule.split("=")[1]) < 1) {
      throw new AppError(
        "config_invalid",
        `invalid configuration:\n  ${origin.get("auth.rateLimits") ?? "REPOWRIGHT_RATE_LIMITS"}: "${rule}" is not role=calls-per-minute (e.g. reader=60)`,
      );
    }
  }
}

/** Why an integration cannot be served: the settings it needs that are not set (or undefined). */
export function missingSettings(service: string, settings: Record<string, unknown>): string | undefined {
  const missing = Object.entries(settings)
    .filter(([, v]) => !v)
    .map(([k]) => k);
  return missing.length === 0 ? undefined : `no ${service} credentials: set ${missing.join(", ")}`;
}

/** Values of settings marked secret, to register with the redactor. */
export function secretValues(config: Config): string[] {
  const out: string[] = [];
  for (const s of SETTINGS) {
    if (!s.secret) continue;
    const value = (config as unknown as Record<string, Section>)[s.path[0]]?.[s.path[1]];
    if (typeof value === "string") {
      // For URLs only the password part is secret.
      const url = /^[a-z]+:\/\//i.test(value) ? safeUrl(value) : undefined;
      if (url) {
        if (url.password) out.push(decodeURIComponent(url.password));
      } else out.push(value);
    }
  }
  return out;
}

function safeUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
