/**
 * A goal's dependency graph as an SVG picture: one column per phase of the execution plan (tasks of a
 * column can run in parallel), an arrow from each dependency to its dependent, the critical path drawn
 * thick and red, each task filled by its status. Pure function of the goals tools' output.
 */
import { esc } from "./html.js";

export interface GraphTask {
  id: string;
  title: string;
  status: string;
  dependencies: string[];
}

export interface GraphPhase {
  phase: number;
  tasks: string[];
}

const FILL: Record<string, string> = {
  pending: "#ffffff",
  in_progress: "#fff8c5",
  blocked: "#ffebe9",
  done: "#dafbe1",
  cancelled: "#eaeef2",
};
const STROKE: Record<string, string> = {
  pending: "#57606a",
  in_progress: "#9a6700",
  blocked: "#cf222e",
  done: "#1a7f37",
  cancelled: "#8c959f",
};

const COL_W = 240;
const NODE_W = 200;
const NODE_H = 46;
const ROW_H = 64;
const PAD = 30;

export function goalGraphSvg(
  tasks: readonly GraphTask[],
  phases: readonly GraphPhase[],
  critical: readonly string[],
): string {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const pos = new Map<string, { x: number; y: number }>();
  phases.forEach((p, c) => {
    p.tasks.forEach((id, r) => {
      pos.set(id, { x: PAD + c * COL_W, y: PAD + 24 + r * ROW_H });
    });
  });
  const rows = Math.max(1, ...phases.map((p) => p.tasks.length));
  const width = PAD * 2 + Math.max(1, phases.length) * COL_W - (COL_W - NODE_W);
  const height = PAD * 2 + 24 + rows * ROW_H;
  const onPath = new Set<string>();
  for (let i = 1; i < critical.length; i++) onPath.add(`${critical[i - 1]}>${critical[i]}`);
  const critNodes = new Set(critical);

  const edges: string[] = [];
  for (const t of tasks) {
    const to = pos.get(t.id);
    if (!to) continue;
    for (const d of t.dependencies) {
      const from = pos.get(d);
      if (!from) continue;
      const hot = onPath.has(`${d}>${t.id}`);
      const x1 = from.x + NODE_W;
      const y1 = from.y + NODE_H / 2;
      const x2 = to.x;
      const y2 = to.y + NODE_H / 2;
      const mx = (x1 + x2) / 2;
      edges.push(
        `<path class="edge${hot ? " critical" : ""}" data-from="${esc(d)}" data-to="${esc(t.id)}" d="M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2 - 6},${y2}" fill="none" stroke="${hot ? "#cf222e" : "#8c959f"}" stroke-width="${hot ? 3.5 : 1.5}" marker-end="url(#${hot ? "arrow-hot" : "arrow"})"/>`,
      );
    }
  }
  const columns = phases.map(
    (p, c) =>
      `<g class="phase-column" data-phase="${p.phase}"><rect x="${PAD + c * COL_W - 10}" y="${PAD - 6}" width="${NODE_W + 20}" height="${height - PAD * 2 + 6}" rx="8" fill="#f6f8fa"/><text x="${PAD + c * COL_W + NODE_W / 2}" y="${PAD + 12}" text-anchor="middle" font-size="13" font-weight="600" fill="#57606a">Phase ${p.phase}</text></g>`,
  );
  const nodes = [...pos.entries()].map(([id, { x, y }]) => {
    const t = byId.get(id);
    const status = t?.status ?? "pending";
    const crit = critNodes.has(id);
    const title = t?.title ?? "";
    const short = title.length > 26 ? `${title.slice(0, 25)}…` : title;
    return `<g class="task${crit ? " critical" : ""}" data-task="${esc(id)}" data-status="${esc(status)}"><title>${esc(`${id}: ${title} (${status})`)}</title><rect x="${x}" y="${y}" width="${NODE_W}" height="${NODE_H}" rx="6" fill="${FILL[status] ?? "#fff"}" stroke="${crit ? "#cf222e" : (STROKE[status] ?? "#57606a")}" stroke-width="${crit ? 3 : 1.5}"/><text x="${x + 10}" y="${y + 18}" font-size="12" font-weight="600" fill="#1f2328">${esc(id)}</text><text x="${x + 10}" y="${y + 35}" font-size="12" fill="#1f2328">${esc(short)}</text></g>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Dependency graph: ${phases.length} phases, ${pos.size} tasks" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="10" markerHeight="10" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#8c959f"/></marker><marker id="arrow-hot" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="10" markerHeight="10" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#cf222e"/></marker></defs>
${columns.join("\n")}
${edges.join("\n")}
${nodes.join("\n")}
</svg>`;
}
