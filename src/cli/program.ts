/**
 * The `repowright` command line. Each command builds an App from the environment plus its flags, runs,
 * and closes it; errors that a user can fix are printed as one clear line, exit code 2.
 */
import { Command, Option } from "commander";
import { agentHandlers, agentSubscribers } from "../agents/index.js";
import { createApp } from "../app.js";
import { type ConfigOverrides, loadConfig } from "../core/config.js";
import { AppError, ERROR_CONTRACT } from "../core/errors.js";
import { restRoutes } from "../gateway/rest.js";
import { enqueueDelivery, startWorking } from "../jobs/index.js";
import { createAuthenticator } from "../mcp/auth.js";
import { serveHttp } from "../mcp/http.js";
import { buildInventory } from "../mcp/inventory.js";
import { createSessionServer, SERVER_VERSION } from "../mcp/server.js";
import { StdioTransport } from "../mcp/stdio.js";
import { RawResult } from "../mcp/tool.js";
import { queueEngine } from "../queue/index.js";
import { allToolsets } from "../toolsets/index.js";
import { dashboardRoute } from "../ui/dashboard.js";
import { githubWebhookRoute } from "../webhooks/github.js";
import { registerAuditCommand } from "./audit-command.js";
import { registerCiCommands } from "./ci-commands.js";
import { registerCodeCommands } from "./code-commands.js";
import { registerFlowCommands } from "./flow-commands.js";
import { registerFrappeCommands } from "./frappe-commands.js";
import { registerGithubCommands } from "./github-commands.js";
import { registerJiraCommands } from "./jira-commands.js";
import { registerLlmCommands } from "./llm-commands.js";
import { registerMcpConfigCommand } from "./mcp-config-command.js";
import { loadPlugins } from "./plugins.js";
import { registerResolveCommand } from "./resolve-command.js";
import { registerSandboxCommand } from "./sandbox-command.js";
import { onStopSignal } from "./signals.js";
import { registerSplitCommand } from "./split-command.js";
import { formatToolList } from "./tools-list.js";
import { registerWorkerCommand } from "./worker-command.js";

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

const defaultIo = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr, env: process.env });

function splitList(v: string): string[] {
  return v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function serverOverrides(opts: Record<string, unknown>): ConfigOverrides {
  const server: NonNullable<ConfigOverrides["server"]> = {};
  if (opts["toolsets"] !== undefined) server.toolsets = opts["toolsets"] as string[];
  if (opts["readOnly"] !== undefined) server.readOnly = opts["readOnly"] as boolean;
  if (opts["transport"] !== undefined) server.transport = opts["transport"] as "stdio" | "http";
  if (opts["host"] !== undefined) server.host = opts["host"] as string;
  if (opts["port"] !== undefined) server.port = opts["port"] as number;
  if (opts["stateless"] !== undefined) server.stateless = opts["stateless"] as boolean;
  return { server };
}

export async function runCli(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  let exitCode = 0;
  const out = (s: string) => io.stdout.write(s.endsWith("\n") ? s : `${s}\n`);
  const program = new Command()
    .name("repowright")
    .description("Real hands on software repositories for AI assistants and agents, over MCP.")
    .version(SERVER_VERSION)
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();

  const toolsetsOption = () =>
    new Option("--toolsets <names>", "comma-separated toolsets, or all").argParser(splitList);

  program
    .command("serve")
    .description("Serve the toolsets over MCP (stdio by default, or Streamable HTTP).")
    .addOption(toolsetsOption())
    .option("--read-only", "serve only read-only tools")
    .addOption(new Option("--transport <kind>", "stdio or http").choices(["stdio", "http"]))
    .option("--host <address>", "HTTP bind address (default 127.0.0.1)")
    .option("--port <number>", "HTTP port (default 8787; 0 picks a free one)", (v) => Number.parseInt(v, 10))
    .option("--stateless", "HTTP without server-side sessions (for replicas behind a load balancer)")
    .option(
      "--plugin <module...>",
      "also load the toolsets exported by these ES modules (paths or package names)",
    )
    .action(async (opts: Record<string, unknown>) => {
      const plugins = await loadPlugins((opts["plugin"] as string[] | undefined) ?? []);
      const app = await createApp({
        env: io.env,
        overrides: serverOverrides(opts),
        toolsets: [...allToolsets(), ...plugins],
      });
      const { config, host, log } = app;
      for (const s of host.skipped)
        io.stderr.write(`repowright: toolset ${s.name} not served: ${s.reason}\n`);
      const names = host.toolsets.map((t) => t.name).join(", ");
      // Background jobs run here unless REPOWRIGHT_QUEUE_SERVER_WORKS=false leaves them to `repowright worker`.
      const worker = config.queue.serverWorkers
        ? startWorking({
            host,
            queue: app.queue,
            subscribers: agentSubscribers(host),
            handlers: agentHandlers(host),
          })
        : undefined;
      const shutdown = async () => {
        await worker?.close().catch(() => {});
        await app.close().catch(() => {});
      };
      if (config.server.transport === "stdio") {
        // stdout carries the protocol and nothing else; everything human goes to stderr.
        const server = createSessionServer(host, {
          caller: { id: "local", roles: ["admin"], transport: "stdio" },
        });
        const transport = new StdioTransport({
          onRefused: (reason) => log.warn({ reason }, "stdio message refused"),
        });
        // Set before connect: the SDK chains its own close handling to the transport's onclose it finds.
        const ended = new Promise<void>((resolve) => {
          transport.onclose = resolve;
          process.stdin.on("end", resolve);
          onStopSignal(resolve);
        });
        await server.connect(transport);
        io.stderr.write(
          `repowright ${SERVER_VERSION}: MCP over stdio; toolsets: ${names} (${host.tools.size} tools)\n`,
        );
        await ended;
        await server.close().catch(() => {});
        await shutdown();
        return;
      }
      const authenticator = createAuthenticator(config.auth);
      const http = await serveHttp(host, {
        host: config.server.host,
        port: config.server.port,
        stateless: config.server.stateless,
        allowedHosts: config.server.allowedHosts,
        sessionIdleMs: config.server.sessionIdleMs,
        authenticator,
        authorizationServers: config.auth.issuer ? [config.auth.issuer] : [],
        routes: [
          ...(config.github.webhookSecret
            ? [
                githubWebhookRoute({
                  secret: config.github.webhookSecret,
                  store: app.store,
                  log,
                  registry: host.metrics.registry,
                  maxBodyBytes: config.github.webhookMaxBytes,
                  accept: enqueueDelivery(app.queue),
                }),
              ]
            : []),
          restRoutes(host, { authenticator }),
          dashboardRoute(host, { authenticator }),
        ],
      });
      out(`repowright ${SERVER_VERSION} serving MCP (Streamable HTTP) at ${http.url}`);
      if (config.auth.mode === "none" && !isLoopback(config.server.host)) {
        io.stderr.write(
          `repowright: warning: serving on ${config.server.host} without authentication: anyone who can reach it can call every tool; set REPOWRIGHT_AUTH=jwt (docs/auth.md)\n`,
        );
      }
      out(
        `toolsets: ${names} (${host.tools.size} tools${config.server.readOnly ? ", read-only" : ""}); store: ${app.store.kind}`,
      );
      const origin = http.url.replace(/\/mcp$/, "");
      out(
        `health: ${origin}/healthz  metrics: ${origin}/metrics  REST: ${origin}/api/v1/tools  dashboard: ${origin}/ui`,
      );
      out(
        `jobs: ${queueEngine(config)} queue, ${worker ? `worked here (concurrency ${config.queue.concurrency})` : "left to `repowright worker`"}${config.github.webhookSecret ? `; GitHub webhooks: ${origin}/webhooks/github` : ""}`,
      );
      log.debug({ url: http.url }, "serving");
      await new Promise<void>((resolve) => onStopSignal(resolve));
      await http.close();
      await shutdown();
    });

  program
    .command("tools")
    .description("List the tools with their annotations (no credentials needed).")
    .addOption(toolsetsOption())
    .option("--read-only", "only read-only tools")
    .option("--json", "print JSON")
    .action((opts: { toolsets?: string[]; readOnly?: boolean; json?: boolean }) => {
      const config = loadConfig({ env: io.env });
      // Listing does not need credentials: unavailable toolsets are listed too.
      const inventory = buildInventory(
        allToolsets().map((t) => ({ ...t, unavailable: undefined })),
        config,
        {
          toolsets: opts.toolsets ?? config.server.toolsets,
          readOnly: opts.readOnly ?? config.server.readOnly,
        },
      );
      out(formatToolList(inventory.toolsets, opts.json ?? false));
    });

  program
    .command("call")
    .description("Run one tool in-process through the same pipeline and print its result as JSON.")
    .argument("<tool>", "tool name")
    .argument("[json]", "arguments as a JSON object", "{}")
    .addOption(toolsetsOption())
    .option("--plugin <module...>", "also load the toolsets exported by these ES modules")
    .action(async (name: string, json: string, opts: { toolsets?: string[]; plugin?: string[] }) => {
      let args: unknown;
      try {
        args = JSON.parse(json);
      } catch {
        throw new AppError(
          "bad_arguments",
          `arguments must be a JSON object, e.g. '{"key":"a"}'; got ${json.slice(0, 80)}`,
        );
      }
      const plugins = await loadPlugins(opts.plugin ?? []);
      const app = await createApp({
        env: io.env,
        overrides: { server: { toolsets: opts.toolsets } },
        ...(plugins.length > 0 ? { toolsets: [...allToolsets(), ...plugins] } : {}),
      });
      try {
        const controller = new AbortController();
        const outcome = await app.host.invoke(name, args, {
          caller: { id: "cli", roles: ["admin"], transport: "in-process" },
          signal: controller.signal,
          progress: async (u) => {
            io.stderr.write(
              `progress: ${u.progress}${u.total ? `/${u.total}` : ""}${u.message ? ` ${u.message}` : ""}\n`,
            );
          },
        });
        if (!outcome.ok) {
          out(JSON.stringify(outcome.error, null, 2));
          exitCode = ERROR_CONTRACT[outcome.error.type].exit;
        } else {
          const { value } = outcome;
          const shown =
            value instanceof RawResult ? (value.structuredContent ?? { content: value.content }) : value;
          out(typeof shown === "string" ? shown : JSON.stringify(shown ?? null, null, 2));
        }
      } finally {
        await app.close();
      }
    });

  registerCodeCommands(program, io);
  registerGithubCommands(program, io);
  registerJiraCommands(program, io);
  registerFrappeCommands(program, io);
  registerLlmCommands(program, io);
  registerCiCommands(program, io);
  registerAuditCommand(program, io);
  registerWorkerCommand(program, io);
  registerFlowCommands(program, io, (code) => {
    exitCode = code;
  });
  registerResolveCommand(program, io, (code) => {
    exitCode = code;
  });
  registerSandboxCommand(program, io);
  registerMcpConfigCommand(program, io);
  registerSplitCommand(program, io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const e = err as { code?: string; exitCode?: number };
    if (typeof e.code === "string" && e.code.startsWith("commander.")) {
      return e.code === "commander.helpDisplayed" || e.code === "commander.version" ? 0 : (e.exitCode ?? 2);
    }
    if (err instanceof AppError) {
      io.stderr.write(`repowright: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  return exitCode;
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

/**
 * SIGINT/SIGTERM start a clean shutdown; a second signal, or a shutdown that takes longer than 10 s,
 * ends the process at once. The listeners stay installed, so no signal is ever ignored.
 */
