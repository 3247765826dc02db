/**
 * The flows toolset: list, check and run declarative flows (src/flows/), and read a run's state. A run
 * is a background job: run_flow answers at once with the run's id (or waits, with wait_s).
 */
import { z } from "zod";
import { notFoundError, ToolError } from "../../core/errors.js";
import type { FlowRun } from "../../flows/index.js";
import { defineTool, defineToolset, LOCAL_WRITE, READ_ONLY } from "../../mcp/tool.js";

const MAX_WAIT_S = 300;

/** The flows engine (YAML, CEL, the run loop), loaded on the first flow call rather than at start-up. */
const engine = () => import("../../flows/index.js");

const view = (run: FlowRun) => {
  const { source: _source, ...rest } = run;
  return rest;
};

export const listFlows = defineTool({
  name: "list_flows",
  title: "List flows",
  description:
    "The flows this server can run (from its flows directories), with their descriptions and inputs.",
  input: z.object({}),
  annotations: READ_ONLY,
  async handler(_input, ctx) {
    const { FlowInvalid, findFlows, flowDirs, loadFlow } = await engine();
    const flows = findFlows(flowDirs(ctx)).map((f) => {
      try {
        const flow = loadFlow(f.source, ctx.toolNames());
        return {
          name: flow.name,
          description: flow.description,
          inputs: flow.inputs,
          file: f.path,
          nodes: flow.nodes.length,
        };
      } catch (err) {
        return {
          name: f.name,
          file: f.path,
          invalid: err instanceof FlowInvalid ? err.problems : String(err),
        };
      }
    });
    return { flows };
  },
});

export const validateFlow = defineTool({
  name: "validate_flow",
  title: "Check a flow",
  description:
    "Check a flow file's YAML against this server: unknown tools, unknown node references, edges to nowhere, cycles, and expressions that do not parse or reach beyond the flow's data. Each problem names its line.",
  input: z.object({ source: z.string().min(1).max(1_000_000).describe("The flow file's YAML.") }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    const { FlowInvalid, loadFlow } = await engine();
    try {
      const flow = loadFlow(input.source, ctx.toolNames());
      return { valid: true, name: flow.name, nodes: flow.nodes.length, edges: flow.edges.length };
    } catch (err) {
      if (err instanceof FlowInvalid) return { valid: false, problems: err.problems };
      throw err;
    }
  },
});

export const runFlow = defineTool({
  name: "run_flow",
  title: "Run a flow",
  description:
    "Start a run of a flow (by name, from the server's flows, or given as YAML) with its inputs. The run is a durable background job: returns its run_id at once, or waits up to wait_s seconds for it to end. Tool nodes run as you, with your roles.",
  input: z.object({
    name: z.string().min(1).max(64).optional().describe("A flow of this server (list_flows)."),
    source: z.string().min(1).max(1_000_000).optional().describe("Or the flow's YAML itself."),
    inputs: z.record(z.string(), z.unknown()).default({}).describe("The flow's inputs."),
    wait_s: z.number().int().min(0).max(MAX_WAIT_S).default(0).describe("Wait this long for the run to end."),
  }),
  annotations: LOCAL_WRITE,
  timeoutMs: (MAX_WAIT_S + 30) * 1000,
  async handler(input, ctx) {
    if ((input.name === undefined) === (input.source === undefined)) {
      throw new ToolError("validation", "give either name or source");
    }
    const { FLOW_JOB, FlowInvalid, findFlows, flowDirs, readFlowRun, startFlowRun } = await engine();
    const source = input.source ?? findFlows(flowDirs(ctx)).find((f) => f.name === input.name)?.source;
    if (!source) throw notFoundError(`no flow named ${input.name}; list_flows shows them`);
    let run: FlowRun;
    try {
      run = await startFlowRun(ctx, ctx.caller, source, input.inputs);
    } catch (err) {
      if (err instanceof FlowInvalid)
        throw new ToolError("validation", err.message, { details: { problems: err.problems } });
      throw err;
    }
    if (input.wait_s > 0) {
      const job = (await ctx.queue.list({ limit: 50 })).find(
        (j) => j.kind === FLOW_JOB && (j.data as { run?: string }).run === run.id,
      );
      if (job) await ctx.queue.wait(job.id, { timeoutMs: input.wait_s * 1000, signal: ctx.signal });
      run = await readFlowRun(ctx, run.id);
    }
    return {
      run_id: run.id,
      ...view(run),
      follow: { tool: "get_flow_run", rest: `/api/v1/flow-runs/${run.id}` },
    };
  },
});

export const getFlowRun = defineTool({
  name: "get_flow_run",
  title: "Get a flow run",
  description:
    "A flow run's state: status, each node's status, output or error and duration, and the flow's output.",
  input: z.object({ run_id: z.string().min(1).max(64).describe("The run's id.") }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    const { readFlowRun } = await engine();
    const run = await readFlowRun(ctx, input.run_id);
    if (ctx.config.auth.mode !== "none" && run.caller.id !== ctx.caller.id)
      throw notFoundError(`no flow run ${input.run_id}`);
    return view(run);
  },
});

export const flowsToolset = defineToolset({
  name: "flows",
  description: "Declarative YAML flows over the tools: list, check, run durably, follow.",
  tools: [listFlows, validateFlow, runFlow, getFlowRun],
});
