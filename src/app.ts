/**
 * Composition root: configuration -> redactor -> logger -> store -> host. Entry points (CLI, tests,
 * embedders) build an App and hand it to a transport; nothing below reads the environment itself.
 */
import { type Config, type ConfigOverrides, loadConfig, secretValues } from "./core/config.js";
import { createLogger, type Logger } from "./core/log.js";
import { Redactor } from "./core/redact.js";
import { createWorkspace, defaultWorkspaceRoots, type Workspace } from "./core/workspace.js";
import { createHost, type Host } from "./mcp/host.js";
import type { Toolset } from "./mcp/tool.js";
import { openStore } from "./store/index.js";
import type { Store } from "./store/types.js";
import { allToolsets } from "./toolsets/index.js";

export interface App {
  config: Readonly<Config>;
  log: Logger;
  redactor: Redactor;
  store: Store;
  workspace: Workspace;
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
  try {
    const host = await createHost({
      config,
      store,
      log,
      redactor,
      workspace,
      toolsets: options.toolsets ?? allToolsets(),
      inventory: {
        toolsets: config.server.toolsets,
        readOnly: config.server.readOnly,
        excludeTools: options.excludeTools,
      },
    });
    return {
      config,
      log,
      redactor,
      store,
      workspace,
      host,
      async close() {
        await host.close();
        if (!options.store) await store.close();
      },
    };
  } catch (err) {
    if (!options.store) await store.close();
    throw err;
  }
}
