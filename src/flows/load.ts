/**
 * Reading a flow file: YAML into a checked Flow, or a list of problems that each name the line and what
 * to fix — unknown tools (with the nearest name), unknown node references, edges to nowhere, cycles,
 * expressions that do not parse or reach for names no flow needs (`constructor`, `process`, ...).
 */
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { expressionsIn, FORBIDDEN_NAMES, inspectExpression } from "./expr.js";

const ID = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

const edgeSchema = z.object({ from: z.string(), to: z.string(), condition: z.string().optional() }).strict();

export interface FlowEdge {
  from: string;
  to: string;
  condition?: string;
}

export interface FlowNode {
  id: string;
  type: "tool" | "llm" | "parallel" | "condition";
  description?: string;
  tool?: string;
  args?: Record<string, unknown>;
  prompt?: string;
  system?: string;
  model?: "cheap" | "strong";
  output_schema?: Record<string, unknown>;
  for_each?: string;
  as?: string;
  concurrency?: number;
  nodes?: FlowNode[];
  edges?: FlowEdge[];
  condition?: string;
}

const nodeSchema: z.ZodType<FlowNode> = z.lazy(() =>
  z
    .object({
      id: z.string().regex(ID, "use letters, digits and _ (a node id is a name in expressions)"),
      type: z.enum(["tool", "llm", "parallel", "condition"]),
      description: z.string().optional(),
      tool: z.string().optional(),
      args: z.record(z.string(), z.unknown()).optional(),
      prompt: z.string().optional(),
      system: z.string().optional(),
      model: z.enum(["cheap", "strong"]).optional(),
      output_schema: z.record(z.string(), z.unknown()).optional(),
      for_each: z.string().optional(),
      as: z.string().regex(ID).optional(),
      concurrency: z.number().int().min(1).max(64).optional(),
      nodes: z.array(nodeSchema).optional(),
      edges: z.array(edgeSchema).optional(),
      condition: z.string().optional(),
    })
    .strict(),
);

const inputSchema = z
  .object({
    type: z.enum(["string", "number", "boolean", "object", "array"]).default("string"),
    required: z.boolean().default(false),
    default: z.unknown().optional(),
    description: z.string().optional(),
  })
  .strict();

const flowSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "letters, digits, '.', '_' or '-'"),
    description: z.string().optional(),
    inputs: z.record(z.string().regex(ID), inputSchema).default({}),
    nodes: z.array(nodeSchema).min(1, "a flow needs at least one node"),
    edges: z.array(edgeSchema).default([]),
    output: z.unknown().optional(),
  })
  .strict();

export type FlowInput = z.infer<typeof inputSchema>;
export interface Flow {
  name: string;
  description?: string;
  inputs: Record<string, FlowInput>;
  nodes: FlowNode[];
  edges: FlowEdge[];
  output?: unknown;
}

export interface FlowProblem {
  line: number;
  path: string;
  message: string;
}

export class FlowInvalid extends Error {
  constructor(readonly problems: FlowProblem[]) {
    super(problems.map((p) => `line ${p.line}: ${p.path ? `${p.path}: ` : ""}${p.message}`).join("\n"));
    this.name = "FlowInvalid";
  }
}

/** Parses and checks a flow; `tools` are the names the host serves (tool nodes must name one). */
export function loadFlow(text: string, tools: ReadonlySet<string>): Flow {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  const problems: FlowProblem[] = [];
  for (const e of doc.errors) {
    problems.push({
      line: counter.linePos(e.pos[0]).line,
      path: "",
      message: e.message.split("\n")[0] as string,
    });
  }
  if (problems.length > 0) throw new FlowInvalid(problems);
  const lineOf = (path: (string | number)[]): number => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === "object" && node.range) return counter.linePos(node.range[0]).line;
    }
    return 1;
  };
  const problem = (path: (string | number)[], message: string) =>
    problems.push({ line: lineOf(path), path: path.join("."), message });

  const parsed = flowSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problem(issue.path as (string | number)[], issue.message);
    throw new FlowInvalid(problems);
  }
  const flow = parsed.data as Flow;
  checkGraph(flow.nodes, flow.edges, ["nodes"], ["edges"], new Set(["inputs"]), tools, problem);
  for (const [name, input] of Object.entries(flow.inputs)) {
    if (input.default !== undefined && !typeMatches(input.type, input.default)) {
      problem(["inputs", name, "default"], `the default is not a ${input.type}`);
    }
  }
  if (flow.output !== undefined) {
    checkExpressions(flow.output, ["output"], visibleNames(flow.nodes, new Set(["inputs"])), problem);
  }
  if (problems.length > 0) throw new FlowInvalid(problems.sort((a, b) => a.line - b.line));
  return flow;
}

export function typeMatches(type: FlowInput["type"], v: unknown): boolean {
  if (type === "array") return Array.isArray(v);
  if (type === "object") return v !== null && typeof v === "object" && !Array.isArray(v);
  return typeof v === type;
}

const visibleNames = (nodes: FlowNode[], outer: Set<string>) =>
  new Set([...outer, ...nodes.map((n) => n.id)]);

type Problem = (path: (string | number)[], message: string) => void;

function checkGraph(
  nodes: FlowNode[],
  edges: FlowEdge[],
  at: (string | number)[],
  edgesAt: (string | number)[],
  outer: Set<string>,
  tools: ReadonlySet<string>,
  problem: Problem,
): void {
  const ids = new Map<string, number>();
  nodes.forEach((n, i) => {
    if (ids.has(n.id)) problem([...at, i, "id"], `node id "${n.id}" is used twice`);
    else if (outer.has(n.id))
      problem([...at, i, "id"], `node id "${n.id}" hides a name of the enclosing flow`);
    ids.set(n.id, i);
  });
  const names = visibleNames(nodes, outer);
  nodes.forEach((n, i) => {
    const p = [...at, i];
    const need = (field: keyof FlowNode) => {
      if (n[field] === undefined) problem([...p, field], `a ${n.type} node needs "${field}"`);
    };
    if (n.type === "tool") {
      need("tool");
      if (n.tool !== undefined && !tools.has(n.tool)) {
        const near = nearest(n.tool, tools);
        problem([...p, "tool"], `unknown tool "${n.tool}"${near ? ` (did you mean "${near}"?)` : ""}`);
      }
    }
    if (n.type === "llm") need("prompt");
    if (n.type === "condition") need("condition");
    if (n.type === "parallel") {
      need("for_each");
      need("nodes");
      if (n.for_each !== undefined) checkExpressions(n.for_each, [...p, "for_each"], names, problem);
      const inner = new Set([...names, n.as ?? "item", "index"]);
      if (n.nodes)
        checkGraph(n.nodes, n.edges ?? [], [...p, "nodes"], [...p, "edges"], inner, tools, problem);
    }
    for (const field of ["args", "prompt", "system", "condition"] as const) {
      if (n[field] !== undefined)
        checkExpressions(n[field], [...p, field], names, problem, field === "condition");
    }
  });
  edges.forEach((e, i) => {
    for (const end of ["from", "to"] as const) {
      if (!ids.has(e[end])) {
        problem([...edgesAt, i, end], `edge ${end} "${e[end]}": no node has this id${hint(e[end], ids)}`);
      }
    }
    if (e.condition !== undefined)
      checkExpressions(e.condition, [...edgesAt, i, "condition"], names, problem, true);
  });
  const cycle = findCycle(
    nodes.map((n) => n.id),
    edges.filter((e) => ids.has(e.from) && ids.has(e.to)),
  );
  if (cycle) problem(edgesAt, `the edges make a cycle: ${cycle.join(" -> ")} (a flow is a DAG)`);
}

const hint = (name: string, ids: Map<string, number>) => {
  const near = nearest(name, new Set(ids.keys()));
  return near ? ` (did you mean "${near}"?)` : "";
};

function checkExpressions(
  value: unknown,
  path: (string | number)[],
  names: Set<string>,
  problem: Problem,
  bare = false,
): void {
  if (typeof value === "string") {
    const exprs = expressionsIn(value);
    const all = bare && exprs.length === 0 ? [value] : exprs;
    for (const source of all) {
      let ref: ReturnType<typeof inspectExpression>;
      try {
        ref = inspectExpression(source);
      } catch (err) {
        problem(
          path,
          `the expression \${${source}} does not parse: ${(err as Error).message.split("\n")[0]}`,
        );
        continue;
      }
      const forbidden = ref.names.filter((n) => FORBIDDEN_NAMES.has(n));
      if (forbidden.length > 0) {
        problem(
          path,
          `the expression \${${source}} uses ${forbidden.map((f) => `"${f}"`).join(", ")}: expressions read the flow's data only`,
        );
        continue;
      }
      for (const root of ref.roots) {
        if (!names.has(root)) {
          problem(
            path,
            `the expression \${${source}} reads "${root}", which is neither "inputs" nor a node before it${hintSet(root, names)}`,
          );
        }
      }
    }
    return;
  }
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) checkExpressions(v, [...path, i], names, problem);
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) checkExpressions(v, [...path, k], names, problem);
  }
}

const hintSet = (name: string, names: Set<string>) => {
  const near = nearest(name, names);
  return near ? ` (did you mean "${near}"?)` : "";
};

function findCycle(ids: string[], edges: FlowEdge[]): string[] | undefined {
  const next = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of edges) next.get(e.from)?.push(e.to);
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    state.set(id, 1);
    stack.push(id);
    for (const to of next.get(id) ?? []) {
      if (state.get(to) === 1) return [...stack.slice(stack.indexOf(to)), to];
      if (!state.has(to)) {
        const found = visit(to);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(id, 2);
    return undefined;
  };
  for (const id of ids) {
    if (!state.has(id)) {
      const found = visit(id);
      if (found) return found;
    }
  }
  return undefined;
}

/** The closest known name by edit distance, when it is close enough to be a typo. */
export function nearest(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const k of known) {
    const d = distance(name, k);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min(
        (row[j] as number) + 1,
        (row[j - 1] as number) + 1,
        prev + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      prev = cur;
    }
  }
  return row[b.length] as number;
}
