/**
 * `repowright worker`: a process that works the job queue and serves nothing. On the embedded queue it
 * shares the data dir's queue with the server on the same machine; on BullMQ (REPOWRIGHT_STORE=redis)
 * any number of them, on any machine, share one queue. A job whose worker dies runs again elsewhere.
 */
import { type Command, Option } from "commander";
import { AppError } from "../core/errors.js";
import { SERVER_VERSION } from "../version.js";
import type { CliIo } from "./program.js";
import { onStopSignal } from "./signals.js";

export function registerWorkerCommand(program: Command, io: CliIo): void {
  program
    .command("worker")
    .description("Work the job queue (long tools, agent runs, webhook deliveries) without serving MCP.")
    .addOption(
      new Option("--concurrency <n>", "jobs run at once (default REPOWRIGHT_QUEUE_CONCURRENCY)").argParser(
        (v) => Number.parseInt(v, 10),
      ),
    )
    .option("--plugin <module...>", "also load the toolsets exported by these ES modules")
    .action(async (opts: { concurrency?: number; plugin?: string[] }) => {
      if (opts.concurrency !== undefined && (!Number.isInteger(opts.concurrency) || opts.concurrency < 1)) {
        throw new AppError("bad_concurrency", `--concurrency must be a whole number of at least 1`);
      }
      const [
        { agentHandlers, agentSubscribers },
        { createApp },
        { startWorking },
        { queueEngine },
        { allToolsets },
        { loadPlugins },
      ] = await Promise.all([
        import("../agents/index.js"),
        import("../app.js"),
        import("../jobs/index.js"),
        import("../queue/index.js"),
        import("../toolsets/index.js"),
        import("./plugins.js"),
      ]);
      const plugins = await loadPlugins(opts.plugin ?? []);
      const app = await createApp({ env: io.env, toolsets: [...allToolsets(), ...plugins] });
      const concurrency = opts.concurrency ?? app.config.queue.concurrency;
      const worker = startWorking({
        host: app.host,
        queue: app.queue,
        concurrency,
        subscribers: agentSubscribers(app.host),
        handlers: agentHandlers(app.host),
      });
      io.stderr.write(
        `repowright ${SERVER_VERSION} worker ${process.pid}: working the ${queueEngine(app.config)} queue (concurrency ${concurrency}); toolsets: ${app.host.toolsets.map((t) => t.name).join(", ")}\n`,
      );
      await new Promise<void>((resolve) => onStopSignal(resolve));
      io.stderr.write(
        `repowright worker ${process.pid}: stopping (running jobs finish or go back to the queue)\n`,
      );
      await worker.close();
      await app.close();
    });
}
