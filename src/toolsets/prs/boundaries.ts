/**
 * suggest_pr_boundaries' work: from an analysis to groups in stack order.
 *
 * Every strategy follows the same steps; they differ in the *area* a change belongs to:
 * - `directory`: its module (its directory, small directories folded into their parents);
 * - `semantic`: a topic: files whose words (identifiers, path parts) are alike, or the topics a model
 *   named when one is configured;
 * - `dependency` and `hybrid`: the module; `hybrid` further divides a module with more files than a pull
 *   request may hold by topic.
 * Then:
 * 1. A modified file whose hunks add imports of changed code in other areas is split by hunk: those
 *    hunks go to the area they import from, the rest stay with the file's own area.
 * 2. Tests travel with the code they test (same name, else what they import); a directory's config and a
 *    document that names an area (docs/auth.md, src/auth/README.md) with that area; root config and
 *    dependency manifests first; CI, unattached tests and other docs after the code.
 * 3. (not `directory`) Imports form a graph of units (files or hunk sets): its strongly connected
 *    components stay together (a real cycle cannot be split), and the components go in topological
 *    order, staying in one area while it has ready work. Only imports that the change creates order
 *    the stack (an import line a hunk adds, or any import of a file that did not exist); imports that
 *    were already there only break ties. `directory` orders whole areas by their imports instead.
 * 4. Consecutive units of one area form a group, cut at max_files_per_pr; small neighbours in the same
 *    top-level directory merge while they fit; beyond max_groups, the smallest neighbours merge.
 */
import { posix } from "node:path";
import { pathTokens, tokenize } from "../../code/tokenize.js";
import type { Analysis, AnalyzedFile } from "./analyze.js";
import { naturalCompare } from "./analyze.js";
import { commonDir, type FileKind, foldDirectories, stem } from "./group.js";

export type Strategy = "directory" | "dependency" | "semantic" | "hybrid";

export interface GroupFile {
  path: string;
  /** Indexes into the analysed file's hunks when the file is split between groups. */
  hunks?: number[];
}

export interface BoundaryGroup {
  index: number;
  kind: FileKind | "mixed";
  /** The area's name: a directory, a topic, or "deps", "ci", "docs", "tests". */
  area: string;
  files: GroupFile[];
  /** Earlier groups this one's code imports from. */
  depends_on: number[];
  added: number;
  deleted: number;
}

export interface Boundaries {
  strategy: Strategy;
  groups: BoundaryGroup[];
  warnings: string[];
}

export interface BoundaryOptions {
  strategy: Strategy;
  maxFilesPerPr: number;
  maxGroups?: number;
  /** Topics a model assigned (path -> topic); files it left out fall back to word similarity. */
  topics?: ReadonlyMap<string, string>;
  /** Text of a file as it is now, for word similarity (undefined when unknown). */
  text?: (path: string) => string | undefined;
}

interface Unit {
  id: number;
  file: AnalyzedFile;
  hunks?: number[];
  area: string;
  /** Tests and documents that travel with this unit. */
  riders: Unit[];
  strong: Set<number>;
  weak: Set<number>;
}

const SPECIAL_RANK: Record<string, number> = { deps: 0, tests: 2, ci: 3, docs: 4 };

export function suggestBoundaries(analysis: Pick<Analysis, "files">, options: BoundaryOptions): Boundaries {
  const warnings: string[] = [];
  const files = analysis.files;
  const byPath = new Map(files.map((f) => [f.path, f]));
  const code = files.filter((f) => f.kind === "source");
  const isCode = (p: string) => byPath.get(p)?.kind === "source";

  // Areas of code files.
  const area = new Map<string, string>();
  const modules = () => {
    const weight = new Map(code.map((f) => [f.path, 1]));
    const edges: [string, string][] = [];
    for (const f of code) for (const i of f.imports) if (isCode(i.path)) edges.push([f.path, i.path]);
    return foldDirectories(weight, code.length <= 1500 ? edges : []);
  };
  if (options.strategy === "semantic") {
    for (const [p, t] of topicsOf(code, options, options.maxFilesPerPr)) area.set(p, `topic:${t}`);
  } else {
    for (const [p, m] of modules()) area.set(p, m === "." ? "" : m);
    if (options.strategy === "hybrid") {
      const byArea = new Map<string, AnalyzedFile[]>();
      for (const f of code) pushTo(byArea, area.get(f.path)!, f);
      for (const [a, list] of byArea) {
        if (list.length <= options.maxFilesPerPr) continue;
        for (const [p, t] of topicsOf(list, options, options.maxFilesPerPr)) area.set(p, `${a}#${t}`);
      }
    }
  }

  // Units: files, and hunk sets of files split between areas. First every file whole; then, where
  // that ties areas into a cycle, the files in the cycle whose hunks need different areas are split.
  let units: Unit[] = [];
  let unitsOf = new Map<string, Unit[]>();
  const build = (split: ReadonlySet<string>) => {
    units = [];
    unitsOf = new Map();
    const newUnit = (file: AnalyzedFile, unitArea: string, hunks?: number[]) => {
      const u: Unit = {
        id: units.length,
        file,
        area: unitArea,
        riders: [],
        strong: new Set(),
        weak: new Set(),
        ...(hunks ? { hunks } : {}),
      };
      units.push(u);
      pushTo(unitsOf, file.path, u);
      return u;
    };
    const carried: [Unit, AnalyzedFile["imports"], ReadonlySet<number> | undefined][] = [];
    for (const f of code) {
      const own = area.get(f.path)!;
      const parts = split.has(f.path) ? hunkAreas(f, own) : undefined;
      if (!parts) {
        carried.push([newUnit(f, own), f.imports, undefined]);
        continue;
      }
      for (const [a, hunks] of parts) carried.push([newUnit(f, a, hunks), f.imports, new Set(hunks)]);
    }
    for (const [u, imports, hunks] of carried) {
      for (const i of imports) {
        const target = byPath.get(i.path)!;
        const targets = unitsOf.get(i.path);
        if (!targets) continue;
        // A split unit needs what its hunks use; the file's own part also what no hunk mentions.
        const used = hunks ? [...hunks].some((k) => u.file.hunks[k]!.uses.includes(i.path)) : true;
        const unused = !u.file.hunks.some((h) => h.uses.includes(i.path));
        if (hunks && !used && !(unused && u.area === area.get(u.file.path))) continue;
        const t = targets.find((x) => x.area === area.get(i.path)) ?? targets[0]!;
        if (t === u) continue;
        const fresh =
          u.file.status === "added" ||
          u.file.hunks.some(
            (h, k) =>
              (!hunks || hunks.has(k)) &&
              h.uses.includes(i.path) &&
              i.line >= h.new_start &&
              i.line < h.new_start + h.new_lines,
          );
        const strong = fresh || target.status !== "modified";
        (strong ? u.strong : u.weak).add(t.id);
      }
    }
  };
  /** A file's hunks by the area they need: the one other area all the changed code a hunk uses is in, else the file's own. */
  const hunkAreas = (f: AnalyzedFile, own: string): Map<string, number[]> | undefined => {
    const out = new Map<string, number[]>();
    for (const [k, h] of f.hunks.entries()) {
      const areas = new Set(
        h.uses
          .filter(isCode)
          .map((p) => area.get(p)!)
          .filter((a) => a !== own),
      );
      pushTo(out, areas.size === 1 ? [...areas][0]! : own, k);
    }
    return out.size > 1 ? out : undefined;
  };
  build(new Set());
  if (options.strategy !== "directory") {
    const split = new Set<string>();
    for (const comp of tarjan(units)) {
      if (comp.length < 2 || new Set(comp.map((u) => u.area)).size < 2) continue;
      for (const u of comp)
        if (u.file.status === "modified" && u.file.hunks.length >= 2 && hunkAreas(u.file, u.area))
          split.add(u.file.path);
    }
    if (split.size > 0) build(split);
  }

  // Riders: tests with their code, docs and directory config with the area they describe.
  const codeByStem = new Map<string, string>();
  for (const f of code) if (!codeByStem.has(stem(f.path))) codeByStem.set(stem(f.path), f.path);
  const areaNames = new Map<string, string>();
  for (const f of code) {
    for (const seg of posix.dirname(f.path).split("/"))
      if (seg !== "." && !areaNames.has(seg)) areaNames.set(seg, f.path);
  }
  const special = new Map<string, AnalyzedFile[]>();
  for (const f of files) {
    if (f.kind === "source") continue;
    let target: string | undefined;
    if (f.kind === "test") {
      target = codeByStem.get(stem(f.path)) ?? f.imports.find((i) => isCode(i.path))?.path;
    } else if (f.kind === "docs") {
      const s = stem(f.path).toLowerCase();
      const dir = posix.dirname(f.path);
      target =
        /^readme$/i.test(s) && dir !== "." && !/^docs?$/.test(dir)
          ? code.find((c) => c.path.startsWith(`${dir}/`))?.path
          : (areaNames.get(s) ?? codeByStem.get(s));
    } else if (f.kind === "config" || (f.kind === "dependencies" && f.path.includes("/"))) {
      const dir = posix.dirname(f.path);
      if (dir !== ".") target = code.find((c) => posix.dirname(c.path) === dir)?.path;
    }
    const host = target
      ? (unitsOf.get(target)?.find((u) => !u.hunks) ?? unitsOf.get(target)?.[0])
      : undefined;
    if (host)
      host.riders.push({ id: -1, file: f, area: host.area, riders: [], strong: new Set(), weak: new Set() });
    else {
      const key = f.kind === "test" ? "tests" : f.kind === "ci" ? "ci" : f.kind === "docs" ? "docs" : "deps";
      pushTo(special, key, f);
    }
  }

  // Order the code.
  const order =
    options.strategy === "directory" ? byArea(units) : topological(units, warnings, options.maxFilesPerPr);

  // Cut into groups.
  interface Draft {
    area: string;
    members: { file: AnalyzedFile; hunks?: number[] }[];
    unitIds: Set<number>;
  }
  const drafts: Draft[] = [];
  const size = (list: Unit[]) => list.reduce((n, u) => n + 1 + u.riders.length, 0);
  const addDraft = (areaName: string, members: Draft["members"], ids: number[] = []) =>
    drafts.push({ area: areaName, members, unitIds: new Set(ids) });
  const specialDraft = (key: string) => {
    const list = (special.get(key) ?? []).sort((a, b) => naturalCompare(a.path, b.path));
    for (let i = 0; i < list.length; i += options.maxFilesPerPr)
      addDraft(
        key,
        list.slice(i, i + options.maxFilesPerPr).map((file) => ({ file })),
      );
  };
  specialDraft("deps");
  let current: Draft | undefined;
  for (const comp of order) {
    const n = size(comp);
    const compArea = majority(comp.map((u) => u.area));
    if (
      !current ||
      current.area !== compArea ||
      (current.members.length + n > options.maxFilesPerPr && current.members.length > 0)
    ) {
      current = { area: compArea, members: [], unitIds: new Set() };
      drafts.push(current);
    }
    for (const u of comp) {
      current.members.push({ file: u.file, ...(u.hunks ? { hunks: u.hunks } : {}) });
      for (const r of u.riders) current.members.push({ file: r.file });
      current.unitIds.add(u.id);
    }
  }
  for (const key of ["tests", "ci", "docs"]) specialDraft(key);

  // Merge small neighbours of one top-level directory, then down to max_groups.
  const top = (d: Draft) =>
    SPECIAL_RANK[d.area] !== undefined ? `!${d.area}` : (d.area.split("/")[0] ?? "");
  const mergeAt = (k: number) => {
    const a = drafts[k]!;
    const b = drafts[k + 1]!;
    a.members.push(...b.members);
    for (const id of b.unitIds) a.unitIds.add(id);
    if (a.area !== b.area) a.area = commonArea(a.area, b.area);
    drafts.splice(k + 1, 1);
  };
  for (let k = 0; k + 1 < drafts.length; ) {
    const a = drafts[k]!;
    const b = drafts[k + 1]!;
    const fits = a.members.length + b.members.length <= options.maxFilesPerPr;
    if (fits && top(a) === top(b) && (a.members.length < 3 || b.members.length < 3)) mergeAt(k);
    else k++;
  }
  if (options.maxGroups !== undefined) {
    while (drafts.length > options.maxGroups) {
      let best = 0;
      let bestScore = Number.POSITIVE_INFINITY;
      for (let k = 0; k + 1 < drafts.length; k++) {
        const a = drafts[k]!;
        const b = drafts[k + 1]!;
        const fixed = [a, b].some((d) => d.area === "deps" || d.area === "docs");
        const score = a.members.length + b.members.length - (top(a) === top(b) ? 3 : 0) + (fixed ? 1e6 : 0);
        if (score < bestScore) {
          bestScore = score;
          best = k;
        }
      }
      mergeAt(best);
    }
  }

  // Groups, with what each depends on.
  const groupOfUnit = new Map<number, number>();
  drafts.forEach((d, k) => {
    for (const id of d.unitIds) groupOfUnit.set(id, k + 1);
  });
  const groups = drafts.map((d, k): BoundaryGroup => {
    const deps = new Set<number>();
    for (const id of d.unitIds)
      for (const t of [...units[id]!.strong, ...units[id]!.weak]) {
        const g = groupOfUnit.get(t);
        if (g !== undefined && g !== k + 1) deps.add(g);
      }
    const kinds = new Set(d.members.map((m) => m.file.kind));
    const kind: FileKind | "mixed" =
      d.area === "deps"
        ? "dependencies"
        : kinds.size === 1
          ? [...kinds][0]!
          : kinds.size === 2 && kinds.has("source") && kinds.has("test")
            ? "source"
            : "mixed";
    const members = d.members.map((m) => m.file);
    return {
      index: k + 1,
      kind,
      area: displayArea(d.area, members),
      files: d.members.map((m) => ({ path: m.file.path, ...(m.hunks ? { hunks: m.hunks } : {}) })),
      depends_on: [...deps].sort((x, y) => x - y),
      added: members.reduce((n, f) => n + f.added, 0),
      deleted: members.reduce((n, f) => n + f.deleted, 0),
    };
  });
  return { strategy: options.strategy, groups, warnings };
}

function displayArea(a: string, files: readonly AnalyzedFile[]): string {
  if (SPECIAL_RANK[a] !== undefined) return a;
  if (a.startsWith("topic:")) return a.slice(6);
  const dir = commonDir(files.filter((f) => f.kind === "source").map((f) => f.path));
  if (dir) return dir;
  // No directory in common (api/ and ui/): name the top-level directories.
  const tops = [...new Set(files.map((f) => (f.path.includes("/") ? f.path.split("/")[0]! : ".")))].sort(
    naturalCompare,
  );
  return tops.length <= 3 ? tops.join(", ") : `${tops.slice(0, 3).join(", ")} and ${tops.length - 3} more`;
}

function commonArea(a: string, b: string): string {
  const x = a.split("/");
  const y = b.split("/");
  let n = 0;
  while (n < x.length && n < y.length && x[n] === y[n]) n++;
  return n > 0 ? x.slice(0, n).join("/") : `${a}+${b}`;
}

function majority(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((x, y) => y[1] - x[1] || naturalCompare(x[0], y[0]))[0]![0];
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** `directory`: whole areas, ordered by the imports between them where they do not form a cycle. */
function byArea(units: readonly Unit[]): Unit[][] {
  const areas = new Map<string, Unit[]>();
  for (const u of units) pushTo(areas, u.area, u);
  const deps = new Map<string, Set<string>>();
  for (const u of units)
    for (const t of [...u.strong, ...u.weak]) {
      const b = units[t]!.area;
      if (b !== u.area) {
        const s = deps.get(u.area) ?? new Set();
        s.add(b);
        deps.set(u.area, s);
      }
    }
  const pending = new Set(areas.keys());
  const out: Unit[][] = [];
  while (pending.size > 0) {
    const sorted = [...pending].sort(naturalCompare);
    const next = sorted.find((a) => ![...(deps.get(a) ?? [])].some((d) => pending.has(d))) ?? sorted[0]!;
    pending.delete(next);
    const list = areas.get(next)!.sort((x, y) => naturalCompare(x.file.path, y.file.path));
    out.push(list);
  }
  return out.flatMap((list) => list.map((u) => [u]));
}

/**
 * Strongly connected components of the units' strong imports, in topological order (a component after
 * every component it imports), staying in one area while it has ready components; ties by the imports
 * that were already there (a component whose old imports are placed first), then by path.
 */
function topological(units: readonly Unit[], warnings: string[], maxFiles: number): Unit[][] {
  const comps = tarjan(units);
  const compOf = new Int32Array(units.length);
  comps.forEach((c, k) => {
    for (const u of c) compOf[u.id] = k;
  });
  const remaining = new Int32Array(comps.length);
  const weakLeft = new Int32Array(comps.length);
  const dependents: number[][] = comps.map(() => []);
  const weakDependents: number[][] = comps.map(() => []);
  comps.forEach((c, k) => {
    const strong = new Set<number>();
    const weak = new Set<number>();
    for (const u of c) {
      for (const t of u.strong) if (compOf[t] !== k) strong.add(compOf[t]!);
      for (const t of u.weak) if (compOf[t] !== k) weak.add(compOf[t]!);
    }
    remaining[k] = strong.size;
    for (const d of strong) dependents[d]!.push(k);
    for (const d of weak)
      if (!strong.has(d)) {
        weakLeft[k] = weakLeft[k]! + 1;
        weakDependents[d]!.push(k);
      }
    if (c.length > 1) {
      const areas = new Set(c.map((u) => u.area));
      const n = c.reduce((s, u) => s + 1 + u.riders.length, 0);
      if (areas.size > 1 || n > maxFiles)
        warnings.push(
          `${c.length} changes import each other in a cycle (${c
            .map((u) => u.file.path)
            .sort(naturalCompare)
            .slice(0, 4)
            .join(
              ", ",
            )}${c.length > 4 ? ", ..." : ""}): they stay in one pull request${n > maxFiles ? ` of ${n} files, more than ${maxFiles}` : ""}`,
        );
    }
  });
  const label = (k: number) => comps[k]!.map((u) => u.file.path).sort(naturalCompare)[0]!;
  const areaOf = (k: number) => majority(comps[k]!.map((u) => u.area));
  const ready = new Map<string, number[]>();
  const addReady = (k: number) => pushTo(ready, areaOf(k), k);
  comps.forEach((_, k) => {
    if (remaining[k] === 0) addReady(k);
  });
  const out: Unit[][] = [];
  let currentArea: string | undefined;
  while (out.length < comps.length) {
    let areaName = currentArea !== undefined && ready.get(currentArea)?.length ? currentArea : undefined;
    if (areaName === undefined) {
      const candidates = [...ready]
        .filter(([, l]) => l.length > 0)
        .map(([a, l]) => [a, l.some((k) => weakLeft[k] === 0)] as const);
      candidates.sort((x, y) => Number(y[1]) - Number(x[1]) || naturalCompare(x[0], y[0]));
      areaName = candidates[0]![0];
    }
    const list = ready.get(areaName)!;
    list.sort(
      (x, y) => Number(weakLeft[x]! > 0) - Number(weakLeft[y]! > 0) || naturalCompare(label(x), label(y)),
    );
    const k = list.shift()!;
    currentArea = areaName;
    out.push(comps[k]!.sort((x, y) => naturalCompare(x.file.path, y.file.path)));
    for (const d of weakDependents[k]!) weakLeft[d] = weakLeft[d]! - 1;
    for (const d of dependents[k]!) {
      remaining[d] = remaining[d]! - 1;
      if (remaining[d] === 0) addReady(d);
    }
  }
  return out;
}

/** Tarjan's strongly connected components over strong edges, iteratively (deep graphs do not overflow). */
function tarjan(units: readonly Unit[]): Unit[][] {
  const n = units.length;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const comps: Unit[][] = [];
  const adj = units.map((u) => [...u.strong]);
  let counter = 0;
  for (let s = 0; s < n; s++) {
    if (index[s] !== -1) continue;
    const work: [number, number][] = [[s, 0]];
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const [v, i] = frame;
      if (i === 0 && index[v] === -1) {
        index[v] = low[v] = counter++;
        stack.push(v);
        onStack[v] = 1;
      }
      if (i < adj[v]!.length) {
        frame[1]++;
        const w = adj[v]![i]!;
        if (index[w] === -1) work.push([w, 0]);
        else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]![0];
        low[parent] = Math.min(low[parent]!, low[v]!);
      }
      if (low[v] === index[v]) {
        const comp: Unit[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          comp.push(units[w]!);
        } while (w !== v);
        comps.push(comp);
      }
    }
  }
  return comps;
}

/**
 * Topics by word similarity: each file a vector of its words (identifiers of its text, its path's
 * parts) weighted by rarity; a file joins the most similar topic with room, or starts one. A model's
 * topics, when given, come first.
 */
function topicsOf(
  files: readonly AnalyzedFile[],
  options: BoundaryOptions,
  maxFiles: number,
): Map<string, string> {
  const out = new Map<string, string>();
  const rest: AnalyzedFile[] = [];
  for (const f of files) {
    const t = options.topics?.get(f.path);
    if (t) out.set(f.path, t);
    else rest.push(f);
  }
  const bags = rest.map((f) => {
    const words = [
      ...pathTokens(f.path),
      ...pathTokens(f.path),
      ...tokenize((options.text?.(f.path) ?? "").slice(0, 20_000)),
    ];
    const bag = new Map<string, number>();
    for (const w of words) bag.set(w, (bag.get(w) ?? 0) + 1);
    return bag;
  });
  const df = new Map<string, number>();
  for (const b of bags) for (const w of b.keys()) df.set(w, (df.get(w) ?? 0) + 1);
  const vectors = bags.map((b) => {
    const v = new Map<string, number>();
    let norm = 0;
    for (const [w, c] of b) {
      const x = (1 + Math.log(c)) * Math.log((1 + bags.length) / (1 + df.get(w)!));
      if (x <= 0) continue;
      v.set(w, x);
      norm += x * x;
    }
    norm = Math.sqrt(norm) || 1;
    for (const [w, x] of v) v.set(w, x / norm);
    return v;
  });
  const topics: { centroid: Map<string, number>; size: number; name: string }[] = [];
  const order = rest.map((_, k) => k).sort((a, b) => naturalCompare(rest[a]!.path, rest[b]!.path));
  for (const k of order) {
    const v = vectors[k]!;
    let best = -1;
    let bestSim = 0.2;
    for (const [t, topic] of topics.entries()) {
      if (topic.size >= maxFiles) continue;
      let sim = 0;
      for (const [w, x] of v) sim += x * (topic.centroid.get(w) ?? 0);
      sim /= Math.sqrt([...topic.centroid.values()].reduce((s, x) => s + x * x, 0)) || 1;
      if (sim > bestSim) {
        bestSim = sim;
        best = t;
      }
    }
    if (best < 0) {
      const name =
        [...v].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))[0]?.[0] ?? stem(rest[k]!.path);
      topics.push({
        centroid: new Map(v),
        size: 1,
        name: topics.some((t) => t.name === name) ? `${name}-${topics.length + 1}` : name,
      });
      out.set(rest[k]!.path, topics.at(-1)!.name);
    } else {
      const topic = topics[best]!;
      for (const [w, x] of v) topic.centroid.set(w, (topic.centroid.get(w) ?? 0) + x);
      topic.size++;
      out.set(rest[k]!.path, topic.name);
    }
  }
  return out;
}
