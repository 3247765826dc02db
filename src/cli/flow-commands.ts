/**
 * `repowright flow validate FILE...` checks flow files (each problem as FILE:LINE: message, exit 1);
 * `repowright flow run FILE|NAME --input k=v` runs one here, nodes on stderr as they finish, the run's
 * state on stdout; `repowright flow status RUN_ID` reads a run.
 */
import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import { AppError } from "../core/errors.js";
import type { FlowRun } from "../flows/index.js";
import type { CliIo } from "./program.js";

const collect = (v: string, acc: string[]) => [...acc, v];

/** The flows engine, the app and the job worker: loaded by the command that runs, not by `--help`. */
async function load() {
  const [{ createApp }, flows, { startWorking }, { allToolsets }] = await Promise.all([
    import("../app.js"),
    import("../flows/index.js"),
    import("../jobs/index.js"),
    import("../toolsets/index.js"),
  ]);
  return { createApp, startWorking, allToolsets, ...flows };
}

export function registerFlowCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const flow = program.command("flow").description("Declarative YAML flows over the tools (docs/flows.md).");

  flow
    .command("validate")
    .description(
      "Check flow files: unknown tools, node references, cycles, expressions; each problem with its line.",
    )
    .argument("<files...>", "flow files")
    .action(async (files: string[]) => {
      const { allToolsets, loadFlow, FlowInvalid } = await load();
      // Every tool of the binary counts here (a tool whose toolset lacks credentials is still a real tool).
      const tools = new Set(allToolsets().flatMap((t) => t.tools.map((x) => x.name)));
      let bad = 0;
      for (const file of files) {
        let text: string;
        try {
          text = readFileSync(file, "utf8");
        } catch (err) {
          io.stderr.write(`${file}: cannot read: ${(err as Error).message}\n`);
          bad++;
          continue;
        }
        try {
          const f = loadFlow(text, tools);
          io.stdout.write(`${file}: ok (${f.name}: ${f.nodes.length} nodes, ${f.edges.length} edges)\n`);
        } catch (err) {
          if (!(err instanceof FlowInvalid)) throw err;
          bad++;
          for (const p of err.problems)
            io.stdout.write(`${file}:${p.line}: ${p.path ? `${p.path}: ` : ""}${p.message}\n`);
        }
      }
      setExit(bad > 0 ? 1 : 0);
    });

  flow
    .command("run")
    .description("Run a flow here (a file, or the name of one in the flows directories) and print its run.")
    .argument("<flow>", "a flow file or a flow name")
    .option(
      "--input <key=value>",
      "an input (repeatable; values are JSON when they parse, else text)",
      collect,
      [],
    )
    .option("--inputs <json>", "all inputs as one JSON object")
    .option("--json", "print the whole run as JSON")
    .action(async (ref: string, opts: { input: string[]; inputs?: string; json?: boolean }) => {
      const inputs: Record<string, unknown> = {};
      if (opts.inputs) {
        try {
          Object.assign(inputs, JSON.parse(opts.inputs));
        } catch {
          throw new AppError("bad_inputs", "--inputs must be a JSON object");
        }
      }
      for (const kv of opts.input) {
        const at = kv.indexOf("=");
        if (at <= 0) throw new AppError("bad_inputs", `--input wants key=value, got ${kv}`);
        const raw = kv.slice(at + 1);
        let value: unknown = raw;
        try {
          value = JSON.parse(raw);
        } catch {
          // text
        }
        inputs[kv.slice(0, at)] = value;
      }
      const {
        createApp,
        findFlows,
        flowDirs,
        startFlowRun,
        FlowInvalid,
        startWorking,
        FLOW_JOB,
        readFlowRun,
      } = await load();
      const app = await createApp({ env: io.env });
      try {
        const source = existsSync(ref)
          ? readFileSync(ref, "utf8")
          : findFlows(flowDirs(app.host.services)).find((f) => f.name === ref)?.source;
        if (!source)
          throw new AppError(
            "no_flow",
            `${ref} is neither a file nor a flow in ${flowDirs(app.host.services).join(", ")}`,
          );
        let run: FlowRun;
        try {
          run = await startFlowRun(
            app.host.services,
            { id: "cli", roles: ["admin"], transport: "in-process" },
            source,
            inputs,
          );
        } catch (err) {
          if (err instanceof FlowInvalid) throw new AppError("invalid_flow", err.message);
          throw err;
        }
        io.stderr.write(`repowright flow: run ${run.id} of ${run.flow}\n`);
        const worker = startWorking({ host: app.host, queue: app.queue, concurrency: 1 });
        const job = (await app.queue.list({ limit: 20 })).find(
          (j) => j.kind === FLOW_JOB && (j.data as { run?: string }).run === run.id,
        );
        if (job) {
          const stop = app.queue.watch(job.id, (j) => {
            if (j.progress?.message) io.stderr.write(`  ${j.progress.message}\n`);
          });
          await app.queue.wait(job.id, { timeoutMs: 24 * 3600_000 });
          stop();
        }
        await worker.close();
        const done = await readFlowRun(app.host.services, run.id);
        const { source: _s, ...view } = done;
        io.stdout.write(
          `${JSON.stringify(opts.json ? view : { run: done.id, status: done.status, output: done.output, error: done.error }, null, 2)}\n`,
        );
        setExit(done.status === "completed" ? 0 : 1);
      } finally {
        await app.close();
      }
    });

  flow
    .command("status")
    .description("A flow run's state.")
    .argument("<run_id>", "the run's id")
    .action(async (id: string) => {
      const { createApp, readFlowRun } = await load();
      const app = await createApp({ env: io.env });
      try {
        const { source: _s, ...view } = await readFlowRun(app.host.services, id);
        io.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
      } finally {
        await app.close();
      }
    });
}
