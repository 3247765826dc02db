/**
 * `repowright serve`: the toolsets over MCP (stdio by default, or Streamable HTTP with the REST gateway, the
 * dashboard and GitHub webhooks), with background jobs worked in the same process unless told otherwise.
 */
import { type Command, Option } from "commander";
import type { ConfigOverrides } from "../core/config.js";
import { SERVER_VERSION } from "../version.js";
import { lineWriter, toolsetsOption } from "./common.js";
import type { CliIo } from "./program.js";
import { onStopSignal } from "./signals.js";

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

export function registerServeCommand(program: Command, io: CliIo): void {
  const out = lineWriter(io);
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
      // Loaded when serving, not when `--help` lists the commands.
      const [
        { agentHandlers, agentSubscribers },
        { createApp },
        { restRoutes },
        { enqueueDelivery, startWorking },
        { createAuthenticator },
        { serveHttp },
        { createSessionServer },
        { StdioTransport },
        { queueEngine },
        { allToolsets },
        { dashboardRoute },
        { githubWebhookRoute },
        { loadPlugins },
      ] = await Promise.all([
        import("../agents/index.js"),
        import("../app.js"),
        import("../gateway/rest.js"),
        import("../jobs/index.js"),
        import("../mcp/auth.js"),
        import("../mcp/http.js"),
        import("../mcp/server.js"),
        import("../mcp/stdio.js"),
        import("../queue/index.js"),
        import("../toolsets/index.js"),
        import("../ui/dashboard.js"),
        import("../webhooks/github.js"),
        import("./plugins.js"),
      ]);
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
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}
