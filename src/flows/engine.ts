/**
 * Running a flow, durably. The run's state is a document in the store, written after every node (and
 * every iteration of a `parallel` node), so a run whose process died resumes where it stopped: completed
 * nodes are not run again, and every tool call carries an idempotency key derived from the run, the node
 * and the iteration, so the host answers a repeated call from its record instead of repeating the side
 * effect. Tool nodes go through `host.invoke` as the caller who started the run (roles, audit,
 * redaction); llm nodes through the configured models.
 *
 * Semantics: a node is ready when every node with an edge into it has finished (completed or skipped).
 * It runs when it has no incoming edges, or when at least one incoming edge comes from a node that ran
 * and the conditions of all such edges hold (edges from skipped nodes do not count: a join after two
 * branches runs after whichever ran); otherwise it is skipped, and so, in turn, may be what follows it.
 * A failed node fails the run.
 */
import { ToolError, validationError } from "../core/errors.js";
import type { Models } from "../llm/models.js";
import type { Host } from "../mcp/host.js";
import type { Caller } from "../mcp/tool.js";
import type { Store } from "../store/types.js";
import { evaluateCondition, evaluateExpression, resolveTemplates } from "./expr.js";
import { type Flow, type FlowEdge, type FlowNode, typeMatches } from "./load.js";

export const FLOW_RUNS = "flow-runs";

export interface NodeState {
  status: "running" | "completed" | "skipped" | "failed";
  output?: unknown;
  error?: string;
  startedAt?: string;
  durationMs?: number;
}

export interface FlowRun {
  id: string;
  flow: string;
  /** The flow file's text as it was when the run started (a resumed run runs the same flow). */
  source: string;
  inputs: Record<string, unknown>;
  caller: Pick<Caller, "id" | "roles" | "transport">;
  status: "running" | "completed" | "failed" | "cancelled";
  /** By node path: `id`, or `parent[i].id` inside a parallel node. */
  nodes: Record<string, NodeState>;
  output?: unknown;
  error?: string;
  startedAt: string;
  finishedAt?: string;
}

export interface EngineDeps {
  host: Host;
  store: Store;
  models?: Models;
  signal?: AbortSignal;
  onNode?: (path: string, state: NodeState) => void;
  /** Called with node type and duration of each node that ran (metrics). */
  observe?: (type: FlowNode["type"], ms: number) => void;
}

/** Checks and completes the inputs of a run: required ones given, defaults applied, types right. */
export function bindInputs(flow: Flow, given: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(flow.inputs, key)) throw validationError(`flow ${flow.name} has no input "${key}"`);
  }
  for (const [name, spec] of Object.entries(flow.inputs)) {
    const v = Object.hasOwn(given, name) ? given[name] : spec.default;
    if (v === undefined) {
      if (spec.required)
        throw validationError(`input "${name}" is required (${spec.description ?? spec.type})`);
      continue;
    }
    if (!typeMatches(spec.type, v)) throw validationError(`input "${name}" must be a ${spec.type}`);
    out[name] = v;
  }
  return out;
}

export async function executeFlow(flow: Flow, run: FlowRun, deps: EngineDeps): Promise<FlowRun> {
  const save = () => deps.store.putDoc({ collection: FLOW_RUNS, id: run.id, data: run });
  try {
    const outputs = await runGraph(flow.nodes, flow.edges, "", { inputs: run.inputs }, run, deps, save);
    run.output =
      flow.output !== undefined ? resolveTemplates(flow.output, { inputs: run.inputs, ...outputs }) : outputs;
    run.status = "completed";
  } catch (err) {
    run.status = deps.signal?.aborted ? "cancelled" : "failed";
    run.error = err instanceof Error ? err.message : String(err);
  }
  run.finishedAt = new Date().toISOString();
  await save();
  return run;
}

type Scope = Record<string, unknown>;

/** Runs one level of nodes; returns `{ <id>: { output } }` for the nodes that completed. */
async function runGraph(
  nodes: FlowNode[],
  edges: FlowEdge[],
  prefix: string,
  scope: Scope,
  run: FlowRun,
  deps: EngineDeps,
  save: () => Promise<unknown>,
): Promise<Scope> {
  const incoming = new Map<string, FlowEdge[]>(nodes.map((n) => [n.id, []]));
  for (const e of edges) incoming.get(e.to)?.push(e);
  const local: Scope = {};
  const finished = new Set<string>();
  // Nodes that ran (completed): edges count only from them. Skipped ones are in scope as { skipped: true },
  // so an expression can ask `has(node.output)`.
  const ran = new Set<string>();
  const pathOf = (id: string) => `${prefix}${id}`;
  // Nodes a previous attempt left running (its process died): their tool call may run again.
  const interrupted = new Set(
    nodes.filter((n) => run.nodes[pathOf(n.id)]?.status === "running").map((n) => n.id),
  );
  // Resume: what finished before counts as finished now.
  for (const n of nodes) {
    const s = run.nodes[pathOf(n.id)];
    if (s?.status === "completed") {
      local[n.id] = { output: s.output };
      ran.add(n.id);
      finished.add(n.id);
    } else if (s?.status === "skipped") {
      local[n.id] = { skipped: true };
      finished.add(n.id);
    }
  }
  while (finished.size < nodes.length) {
    deps.signal?.throwIfAborted();
    const ready = nodes.filter(
      (n) => !finished.has(n.id) && (incoming.get(n.id) ?? []).every((e) => finished.has(e.from)),
    );
    if (ready.length === 0) throw new Error("no node can run (a cycle?)");
    await Promise.all(
      ready.map(async (node) => {
        const path = pathOf(node.id);
        const context = { ...scope, ...local };
        const ins = incoming.get(node.id) ?? [];
        // Edges from skipped nodes do not count; every edge from a node that ran must hold.
        const live = ins.filter((e) => ran.has(e.from));
        const active =
          ins.length === 0 ||
          (live.length > 0 &&
            live.every((e) => e.condition === undefined || evaluateCondition(e.condition, context)));
        if (!active) {
          run.nodes[path] = { status: "skipped" };
          local[node.id] = { skipped: true };
          finished.add(node.id);
          deps.onNode?.(path, run.nodes[path] as NodeState);
          await save();
          return;
        }
        const started = Date.now();
        run.nodes[path] = { status: "running", startedAt: new Date(started).toISOString() };
        await save();
        try {
          const output = await runNode(node, path, context, run, deps, save, interrupted.has(node.id));
          run.nodes[path] = {
            status: "completed",
            output,
            startedAt: new Date(started).toISOString(),
            durationMs: Date.now() - started,
          };
          local[node.id] = { output };
          ran.add(node.id);
        } catch (err) {
          run.nodes[path] = {
            status: "failed",
            error: err instanceof Error ? err.message : String(err),
            startedAt: new Date(started).toISOString(),
            durationMs: Date.now() - started,
          };
          await save();
          throw new Error(`node ${path} failed: ${run.nodes[path]?.error}`);
        }
        deps.observe?.(node.type, Date.now() - started);
        finished.add(node.id);
        deps.onNode?.(path, run.nodes[path] as NodeState);
        await save();
      }),
    );
  }
  return local;
}

async function runNode(
  node: FlowNode,
  path: string,
  context: Scope,
  run: FlowRun,
  deps: EngineDeps,
  save: () => Promise<unknown>,
  resumed: boolean,
): Promise<unknown> {
  switch (node.type) {
    case "tool": {
      const args = resolveTemplates(node.args ?? {}, context);
      if (!args || typeof args !== "object" || Array.isArray(args))
        throw validationError("args must be an object");
      const outcome = await deps.host.invoke(node.tool as string, args, {
        caller: { ...run.caller },
        idempotencyKey: `flow:${run.id}:${path}`,
        idempotencyReclaim: resumed,
        ...(deps.signal ? { signal: deps.signal } : {}),
      });
      if (!outcome.ok) throw new ToolError(outcome.error.type, `${node.tool}: ${outcome.error.error}`);
      return outcome.value;
    }
    case "condition":
      return evaluateCondition(node.condition as string, context);
    case "llm": {
      if (!deps.models) throw validationError("this flow has an llm node and no model is configured");
      const prompt = String(resolveTemplates(node.prompt as string, context));
      const schema = node.output_schema;
      const text = schema
        ? `${prompt}\n\nAnswer with one JSON value that matches this JSON Schema, and nothing else:\n${JSON.stringify(schema)}`
        : prompt;
      const model = deps.models.get(node.model ?? "cheap");
      const res = await model.complete(
        {
          ...(node.system ? { system: String(resolveTemplates(node.system, context)) } : {}),
          messages: [{ role: "user", content: [{ type: "text", text }] }],
          maxTokens: 4096,
        },
        { ...(deps.signal ? { signal: deps.signal } : {}), cache: false },
      );
      const said = res.content.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("");
      if (!schema) return said;
      return parseJsonAnswer(said, schema);
    }
    case "parallel": {
      const items = evaluateExpression(stripTemplate(node.for_each as string), context);
      if (!Array.isArray(items)) throw validationError(`for_each must give a list; it gave ${typeof items}`);
      const name = node.as ?? "item";
      const limit = node.concurrency ?? 4;
      const results: unknown[] = new Array(items.length);
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < items.length; i = next++) {
          const inner = await runGraph(
            node.nodes ?? [],
            node.edges ?? [],
            `${path}[${i}].`,
            { ...context, [name]: items[i], index: i },
            run,
            deps,
            save,
          );
          results[i] = Object.fromEntries(
            Object.entries(inner).map(([k, v]) => [k, (v as { output: unknown }).output]),
          );
        }
      };
      await Promise.all(Array.from({ length: Math.min(limit, Math.max(1, items.length)) }, worker));
      return results;
    }
  }
}

const stripTemplate = (s: string) => {
  const m = /^\s*\$\{(.*)\}\s*$/s.exec(s);
  return m ? (m[1] as string) : s;
};

/** The model's JSON answer (fences allowed), checked against the schema's required fields and types. */
export function parseJsonAnswer(text: string, schema: Record<string, unknown>): unknown {
  const body = /```(?:json)?\s*([\s\S]*?)```/.exec(text)?.[1] ?? text;
  const start = body.search(/[[{]/);
  let value: unknown;
  try {
    value = JSON.parse(start >= 0 ? body.slice(start) : body);
  } catch {
    throw validationError("the model's answer is not JSON");
  }
  const problems = checkSchema(value, schema, "$");
  if (problems.length > 0)
    throw validationError(`the model's answer does not match output_schema: ${problems.join("; ")}`);
  return value;
}

function checkSchema(v: unknown, s: Record<string, unknown>, at: string): string[] {
  const type = s["type"];
  const kind = Array.isArray(v)
    ? "array"
    : v === null
      ? "null"
      : typeof v === "number" && Number.isInteger(v)
        ? "integer"
        : typeof v;
  if (typeof type === "string" && !(type === kind || (type === "number" && kind === "integer"))) {
    return [`${at} should be ${type}, is ${kind}`];
  }
  if (Array.isArray(s["enum"]) && !(s["enum"] as unknown[]).includes(v))
    return [`${at} should be one of ${JSON.stringify(s["enum"])}`];
  const out: string[] = [];
  if (kind === "object" && v && typeof v === "object") {
    for (const r of (s["required"] as string[] | undefined) ?? [])
      if (!(r in v)) out.push(`${at}.${r} is missing`);
    const props = (s["properties"] as Record<string, Record<string, unknown>> | undefined) ?? {};
    for (const [k, sub] of Object.entries(props)) {
      if (k in v) out.push(...checkSchema((v as Record<string, unknown>)[k], sub, `${at}.${k}`));
    }
  }
  if (kind === "array" && s["items"] && typeof s["items"] === "object") {
    const items = s["items"] as Record<string, unknown>;
    for (const [i, item] of (v as unknown[]).entries()) out.push(...checkSchema(item, items, `${at}[${i}]`));
  }
  return out;
}
