/**
 * The clients of outside services (GitHub, Jira, Frappe, the web, the language models), built once per process by the composition root (app.ts)
 * and handed to every toolset (and agent) through `services.clients`: one GitHub client means one Octokit, one
 * circuit breaker, one response cache and one write-pacing group for the whole process, whichever
 * toolsets write to GitHub.
 */
import Bottleneck from "bottleneck";
import { Redis } from "ioredis";
import type { Pool } from "pg";
import type { Registry } from "prom-client";
import type { Config } from "./core/config.js";
import { validationError } from "./core/errors.js";
import type { Logger } from "./core/log.js";
import {
  type CreateFrappeClientOptions,
  createFrappeClient,
  type FrappeClient,
  missingFrappeCredentials,
} from "./frappe/client.js";
import {
  type CreateClientOptions,
  createGithubClient,
  type GithubDeps,
  missingCredentials,
} from "./github/client.js";
import {
  type CreateJiraClientOptions,
  createJiraClient,
  type JiraDeps,
  missingJiraCredentials,
} from "./jira/client.js";
import { createModels, type Models } from "./llm/models.js";
import type { Store } from "./store/types.js";
import { createCodeIndexPool } from "./toolsets/code/pg-store.js";
import {
  type CreateWebClientOptions,
  createWebClient,
  type WebClient,
  type WebNetwork,
} from "./web/client.js";

export interface Clients {
  /**
   * The GitHub client, built on first use; a `validation` ToolError naming the settings to add when there
   * are no (or incomplete) credentials.
   */
  github(): GithubDeps;
  /** Why `github()` cannot be built with this configuration, or undefined when it can. */
  githubUnavailable(): string | undefined;
  /**
   * The Jira client (jira.js's platform and agile clients with their breaker, Cloud or Data Center),
   * built on first use; `validation` without credentials.
   */
  jira(): JiraDeps;
  jiraUnavailable(): string | undefined;
  /** The Frappe client (its breaker and token auth), built on first use; `validation` without credentials. */
  frappe(): FrappeClient;
  frappeUnavailable(): string | undefined;
  /**
   * The web client (web_fetch, web_search): its undici Agents, the public-address guard, and the network
   * edges (DNS lookup and dial) they go through; built on first use.
   */
  web(): WebClient;
  /** The agents' language models (cheap and strong tier), with their limiter, accounting and budgets. */
  readonly models: Models;
  /**
   * The PostgreSQL pool of the shared code index when `REPOWRIGHT_CODE_INDEX=postgres` (built on first use,
   * one per process), else undefined; `validation` when the URL is missing.
   */
  codeIndexPool(): Pool | undefined;
  /**
   * Releases connections the clients opened (the limiters' Redis connection, the web client's sockets,
   * the code index's pool).
   */
  close(): Promise<void>;
}

/** Builders of each client, replaceable (tests count them; embedders bring their own). */
export interface ClientFactories {
  github(options: CreateClientOptions): GithubDeps;
  jira(options: CreateJiraClientOptions): JiraDeps;
  web(options: CreateWebClientOptions): WebClient;
  frappe(options: CreateFrappeClientOptions): FrappeClient;
}

export const defaultClientFactories: ClientFactories = {
  github: (options) => ({
    octokit: createGithubClient(options),
    // Log downloads follow GitHub's redirect with the same fetch as the API calls.
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
  }),
  jira: createJiraClient,
  web: createWebClient,
  frappe: createFrappeClient,
};

export interface CreateClientsOptions {
  config: Readonly<Config>;
  store: Store;
  log: Logger;
  /** Told each resource URI a successful write may have changed. */
  resourceUpdated(uri: string): void;
  factories?: Partial<ClientFactories>;
  /** Where the model counters are registered (the host's metrics registry). */
  registry: Registry;
  /** The fetch the model clients use (tests inject one that reaches only loopback). */
  modelFetch?: typeof fetch;
  /**
   * The web client's network edges (tests: a fake DNS table and a dial that reaches only their own
   * loopback server, so no web test can leave the machine even with the address guard broken).
   */
  webNetwork?: Partial<WebNetwork>;
}

export function createClients(options: CreateClientsOptions): Clients {
  const factories = { ...defaultClientFactories, ...options.factories };
  let github: GithubDeps | undefined;
  let jira: JiraDeps | undefined;
  let web: WebClient | undefined;
  let frappe: FrappeClient | undefined;
  let limiterConnection: InstanceType<typeof Bottleneck.IORedisConnection> | undefined;
  let codePool: Pool | undefined;
  const githubUnavailable = () => missingCredentials(options.config.github);
  const jiraUnavailable = () => missingJiraCredentials(options.config.jira);
  const frappeUnavailable = () => missingFrappeCredentials(options.config.frappe);
  /**
   * With the Redis store, GitHub's write pacing and concurrency limits live in that Redis (Bottleneck's
   * clustering mode), on a connection of their own: every replica then shares one queue per credential.
   */
  const limiters = () => {
    if (options.config.store.kind !== "redis") return undefined;
    if (!limiterConnection) {
      const client = new Redis(options.config.store.redisUrl, { maxRetriesPerRequest: 3 });
      client.on("error", (err: Error) => options.log.warn({ err }, "GitHub limiter Redis connection failed"));
      limiterConnection = new Bottleneck.IORedisConnection({ client });
      limiterConnection.on("error", (err: Error) => options.log.warn({ err }, "GitHub limiter failed"));
    }
    return limiterConnection;
  };
  const models = createModels({
    config: options.config,
    store: options.store,
    log: options.log,
    registry: options.registry,
    fetch: options.modelFetch,
  });
  return {
    models,
    githubUnavailable,
    jiraUnavailable,
    frappeUnavailable,
    frappe() {
      if (frappe) return frappe;
      const missing = frappeUnavailable();
      if (missing) throw validationError(`this needs Frappe: ${missing}`);
      frappe = factories.frappe({ config: options.config, log: options.log });
      return frappe;
    },
    jira() {
      if (jira) return jira;
      const missing = jiraUnavailable();
      if (missing) throw validationError(`this needs Jira: ${missing}`);
      jira = factories.jira({ config: options.config, log: options.log });
      return jira;
    },
    web() {
      web ??= factories.web({ config: options.config.web, network: options.webNetwork });
      return web;
    },
    codeIndexPool() {
      if (options.config.code.index !== "postgres") return undefined;
      codePool ??= createCodeIndexPool(options.config.code, (err) =>
        options.log.warn({ err }, "code index PostgreSQL connection failed"),
      );
      return codePool;
    },
    async close() {
      await web?.close();
      await limiterConnection?.disconnect(true);
      await codePool?.end();
    },
    github() {
      if (github) return github;
      const missing = githubUnavailable();
      if (missing) throw validationError(`this needs GitHub: ${missing}`);
      github = factories.github({
        config: options.config,
        store: options.store,
        log: options.log,
        resourceUpdated: options.resourceUpdated,
        limiterConnection: limiters(),
      });
      return github;
    },
  };
}
