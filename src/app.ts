/**
 * Composition root: configuration -> redactor -> logger -> store -> clients of outside services -> host. Entry points (CLI, tests,
 * embedders) build an App and hand it to a transport; nothing below reads the environment itself.
 */
import { type ClientFactories, type Clients, type CreateClientsOptions, createClients } from "./clients.js";
import { type Config, type ConfigOverrides, loadConfig, secretValues } from "./core/config.js";
import { createLogger, type Logger } from "./core/log.js";
import { createMetrics } from "./core/metrics.js";
import { Redactor } from "./core/redact.js";
import { createWorkspace, defaultWorkspaceRoots, type Workspace } from "./core/workspace.js";
import { createHost, type Host } from "./mcp/host.js";
import type { Toolset } from "./mcp/tool.js";
import { openQueue, type Queue } from "./queue/index.js";
import { openStore } from "./store/index.js";
import type { Store } from "./store/types.js";
import { allToolsets } from "./toolsets/index.js";

export interface App {
  config: Readonly<Config>;
  log: Logger;
  redactor: Redactor;
  store: Store;
  workspace: Workspace;
  clients: Clients;
  /** The job queue (no worker runs until someone calls `queue.work`: `serve`, `repowright worker`). */
  queue: Queue;
  host: Host;
  close(): Promise<void>;
}

export interface CreateAppOptions {
  env?: Record<string, string | undefined>;
  overrides?: ConfigOverrides;
  /** Toolsets to choose from; default: every toolset of the binary. */
  toolsets?: readonly Toolset[];
  excludeTools?: readonly string[];
  logDestination?: NodeJS.WritableStream | number;
  /** An already open store (tests share one); the app then does not close it. */
  store?: Store;
  /**
   * Directories the user named on the command line (`repowright index DIR`): open in addition to the
   * configured or default workspace roots.
   */
  extraRoots?: readonly string[];
  /** Where relative paths and the default root start; default: the process's working directory. */
  cwd?: string;
  /** Builders of the outside services' clients (tests count them; embedders bring their own). */
  clientFactories?: Partial<ClientFactories>;
  /** An already open queue (tests share one); the app then does not close it. */
  queue?: Queue;
  /** The fetch the model clients use (tests: one that reaches only loopback). */
  modelFetch?: CreateClientsOptions["modelFetch"];
  /** The web client's DNS lookup and dial (tests: a fake table and a dial to their own loopback server). */
  webNetwork?: CreateClientsOptions["webNetwork"];
}

export async function createApp(options: CreateAppOptions = {}): Promise<App> {
  const config = loadConfig({ env: options.env ?? process.env, overrides: options.overrides });
  const redactor = new Redactor();
  for (const secret of secretValues(config)) redactor.addSecret(secret);
  const log = createLogger({ level: config.core.logLevel, redactor, destination: options.logDestination });
  const cwd = options.cwd ?? process.cwd();
  const workspace = createWorkspace(
    [
      ...(config.server.workspaceRoots ??
        defaultWorkspaceRoots({
          transport: config.server.transport,
          authMode: config.auth.mode,
          host: config.server.host,
          cwd,
        })),
      ...(options.extraRoots ?? []),
    ],
    cwd,
  );
  const store = options.store ?? (await openStore(config, log));
  const queue = options.queue ?? openQueue(config, log);
  const closeOwned = async () => {
    if (!options.queue) await queue.close();
    if (!options.store) await store.close();
  };
  // Writes tell the host which resources changed; the host is built next, with the clients.
  let host: Host | undefined;
  const metrics = createMetrics({ defaultMetrics: true });
  const clients = createClients({
    config,
    store,
    log,
    registry: metrics.registry,
    resourceUpdated: (uri) => host?.services.resourceUpdated(uri),
    factories: options.clientFactories,
    modelFetch: options.modelFetch,
    webNetwork: options.webNetwork,
  });
  try {
    host = await createHost({
      config,
      store,
      log,
      redactor,
      workspace,
      clients,
      queue,
      metrics,
      toolsets: options.toolsets ?? allToolsets(),
      inventory: {
        toolsets: config.server.toolsets,
        readOnly: config.server.readOnly,
        excludeTools: [...config.server.excludeTools, ...(options.excludeTools ?? [])],
      },
    });
    return {
      config,
      log,
      redactor,
      store,
      workspace,
      clients,
      queue,
      host,
      async close() {
        await host?.close();
        await clients.close();
        await closeOwned();
      },
    };
  } catch (err) {
    await clients.close();
    await closeOwned();
    throw err;
  }
}
