/**
 * generate_pr_metadata's work: a conventional-commit title, a body (why / what / how tested) and labels
 * for one group of a split. Deterministic from the files; with a model configured (REPOWRIGHT_PRS_MODEL),
 * the model writes the summary and the "why" from the group's files and hunks, and anything it gets
 * wrong (a type that is not a conventional one, an over-long summary) falls back to the deterministic
 * text.
 */
import { posix } from "node:path";
import type { Model } from "../../llm/models.js";
import type { AnalyzedFile } from "./analyze.js";
import { naturalCompare } from "./analyze.js";
import type { GroupFile } from "./boundaries.js";
import { commonDir, stem } from "./group.js";

export const COMMIT_TYPES = [
  "feat",
  "fix",
  "refactor",
  "perf",
  "test",
  "docs",
  "build",
  "ci",
  "chore",
  "style",
  "revert",
] as const;

export interface MetadataGroup {
  index: number;
  files: GroupFile[];
  depends_on: number[];
}

export interface StackContext {
  total: number;
  /** Titles of the groups this one builds on, by index. */
  titles?: Record<number, string>;
}

export interface Templates {
  title: string;
  body?: string;
}

export interface PrMetadata {
  title: string;
  type: string;
  scope: string;
  summary: string;
  body: string;
  labels: string[];
  by: "model" | "rules";
}

export const DEFAULT_BODY = "## Why\n\n{why}\n\n## What\n\n{what}\n\n## How tested\n\n{tested}\n";

// Manifests before their lockfiles (package.json, package-lock.json); otherwise natural order (c2 < c10).
const isLock = (n: string) => /(^|[-.])lock(\.|$)|\.sum$/i.test(n);
function list(names: readonly string[], max = 3): string {
  const sorted = [...new Set(names)].sort(
    (a, b) => Number(isLock(a)) - Number(isLock(b)) || naturalCompare(a, b),
  );
  return sorted.length <= max
    ? sorted.join(", ")
    : `${sorted.slice(0, max).join(", ")} and ${sorted.length - max} more`;
}

const fill = (template: string, values: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (m, k: string) => values[k] ?? m);

/** The scope: the group's common directory without the src/lib/pkg prefix, or its top-level directories. */
export function scopeOf(files: readonly AnalyzedFile[]): string {
  if (files.every((f) => f.kind === "dependencies" || f.kind === "config"))
    return files.some((f) => f.kind === "dependencies") ? "deps" : "";
  if (files.every((f) => f.kind === "ci")) return "";
  const source = files.filter((f) => f.kind === "source");
  const tests = files.filter((f) => f.kind === "test");
  const pick = source.length > 0 ? source : tests.length > 0 ? tests : files;
  if (pick.every((f) => !f.path.includes("/"))) return "";
  const dir = commonDir(pick.map((f) => f.path));
  if (dir) {
    const parts = dir
      .split("/")
      .filter((p) => !["src", "lib", "pkg", "app", "internal", "docs", "doc"].includes(p));
    if (parts.length > 0) return parts.slice(-2).join("/");
    // Only a src/-like directory in common: the directories just below it.
    const depth = dir.split("/").length;
    const below = [...new Set(pick.map((f) => f.path.split("/").slice(depth, -1)[0] ?? ""))].filter(Boolean);
    return below.length > 1
      ? list(below, 3)
          .replace(/, /g, ",")
          .replace(/ and (\d+) more/, ",+$1")
      : "";
  }
  // No directory in common (api/ and ui/): the top-level directories, in natural order.
  const tops = [...new Set(pick.map((f) => (f.path.includes("/") ? f.path.split("/")[0]! : "root")))];
  return list(tops, 3)
    .replace(/, /g, ",")
    .replace(/ and (\d+) more/, ",+$1");
}

export function typeOf(files: readonly AnalyzedFile[]): string {
  const kinds = new Set(files.map((f) => f.kind));
  if (kinds.size === 1) {
    const only = [...kinds][0];
    if (only === "dependencies" || only === "config") return "build";
    if (only === "docs") return "docs";
    if (only === "ci") return "ci";
    if (only === "test") return "test";
  }
  const code = files.filter((f) => f.kind === "source");
  if (code.length === 0) return "chore";
  if (code.some((f) => f.status === "added")) return "feat";
  if (code.every((f) => f.status === "deleted" || f.status === "renamed")) return "refactor";
  const added = code.reduce((n, f) => n + f.added, 0);
  const deleted = code.reduce((n, f) => n + f.deleted, 0);
  return added >= deleted ? "feat" : "refactor";
}

/** "add clock, ids; update session": what happened to which files, names in natural order. */
export function summaryOf(files: readonly AnalyzedFile[]): string {
  const main = files.filter((f) => f.kind === "source");
  const pick = main.length > 0 ? main : files;
  const name = (f: AnalyzedFile) => (f.kind === "dependencies" ? posix.basename(f.path) : stem(f.path));
  const by = (s: (f: AnalyzedFile) => boolean) => pick.filter(s).map(name);
  const parts: string[] = [];
  const added = by((f) => f.status === "added" || f.status === "copied");
  const changed = by((f) => f.status === "modified" || f.status === "type_changed");
  const moved = by((f) => f.status === "renamed");
  const removed = by((f) => f.status === "deleted");
  if (added.length > 0) parts.push(`add ${list(added)}`);
  if (changed.length > 0) parts.push(`update ${list(changed)}`);
  if (moved.length > 0) parts.push(`move ${list(moved)}`);
  if (removed.length > 0) parts.push(`remove ${list(removed)}`);
  const tests = main.length > 0 && files.some((f) => f.kind === "test") ? " (with tests)" : "";
  return `${parts.join("; ")}${tests}`;
}

function sizeLabel(lines: number): string {
  return lines < 10
    ? "size/XS"
    : lines < 100
      ? "size/S"
      : lines < 500
        ? "size/M"
        : lines < 1000
          ? "size/L"
          : "size/XL";
}

export interface MetadataOptions {
  group: MetadataGroup;
  /** The analysed files of the group (in its order). */
  files: readonly AnalyzedFile[];
  stack: StackContext;
  templates: Templates;
  testCommand?: string;
  model?: Model;
  signal?: AbortSignal;
}

export async function generateMetadata(options: MetadataOptions): Promise<PrMetadata> {
  const { group, files, stack } = options;
  let type = typeOf(files);
  const scope = scopeOf(files);
  let summary = summaryOf(files);
  const builds = group.depends_on.map((d) => `part ${d}${stack.titles?.[d] ? ` (${stack.titles[d]})` : ""}`);
  let why = `Part ${group.index} of ${stack.total} of a stack of pull requests split from one change.${builds.length > 0 ? ` It builds on ${builds.join(", ")}.` : " It builds only on the base branch."}`;
  let by: PrMetadata["by"] = "rules";
  if (options.model) {
    const said = await askModel(options.model, files, group, options.signal).catch(() => undefined);
    if (said) {
      by = "model";
      if (said.type && (COMMIT_TYPES as readonly string[]).includes(said.type)) type = said.type;
      if (said.summary && said.summary.length <= 72 && !said.summary.includes("\n"))
        summary = said.summary.replace(/\.$/, "");
      if (said.why) why = `${said.why.trim()}\n\n${why}`;
    }
  }
  const partial = new Map(group.files.filter((f) => f.hunks).map((f) => [f.path, f.hunks!]));
  const what = files
    .slice(0, 60)
    .map((f) => {
      const counts = f.binary ? "binary" : `+${f.added} −${f.deleted}`;
      const part = partial.get(f.path);
      const hunks = part ? `, ${part.length} of its ${f.hunks.length} hunks` : "";
      return `- \`${f.path}\` (${f.status}${f.old_path ? ` from \`${f.old_path}\`` : ""}, ${counts}${hunks})`;
    })
    .concat(files.length > 60 ? [`- … and ${files.length - 60} more`] : [])
    .join("\n");
  const tests = files.filter((f) => f.kind === "test");
  const tested = [
    tests.length > 0
      ? `Tests in this part:\n${tests.map((f) => `- \`${f.path}\` (${f.status})`).join("\n")}`
      : "No tests change in this part.",
    options.testCommand
      ? `Each branch of the stack is meant to pass \`${options.testCommand}\` on its own.`
      : "",
  ]
    .filter(Boolean)
    .join("\n\n");
  const values = {
    type,
    scope,
    summary,
    why,
    what,
    tested,
    files: String(files.length),
    index: String(group.index),
    total: String(stack.total),
  };
  const title = fill(options.templates.title, values).replace(/\(\)/, "");
  const body = fill(options.templates.body ?? DEFAULT_BODY, values);
  const labels = new Set<string>([
    { feat: "enhancement", fix: "bug", docs: "documentation", test: "tests", ci: "ci", build: "build" }[
      type
    ] ?? type,
    sizeLabel(files.reduce((n, f) => n + f.added + f.deleted, 0)),
    "stacked",
  ]);
  if (files.some((f) => f.kind === "dependencies")) labels.add("dependencies");
  return { title, type, scope, summary, body, labels: [...labels], by };
}

async function askModel(
  model: Model,
  files: readonly AnalyzedFile[],
  group: MetadataGroup,
  signal?: AbortSignal,
): Promise<{ type?: string; summary?: string; why?: string } | undefined> {
  const lines = files.slice(0, 80).map((f) => {
    const headers = [...new Set(f.hunks.map((h) => h.header).filter(Boolean))].slice(0, 5);
    return `- ${f.path} (${f.status}, +${f.added} -${f.deleted})${headers.length > 0 ? ` in: ${headers.join("; ")}` : ""}`;
  });
  const prompt = `You write the metadata of pull request ${group.index} of a stack. Its files:\n${lines.join("\n")}\n\nAnswer with one JSON object and nothing else: {"type": one of ${COMMIT_TYPES.join("|")}, "summary": an imperative summary of at most 60 characters, lower case, no period, "why": one or two sentences on why this change is made}.`;
  const res = await model.complete(
    { messages: [{ role: "user", content: [{ type: "text", text: prompt }] }], maxTokens: 400 },
    { ...(signal ? { signal } : {}), cache: false },
  );
  const text = res.content.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("");
  const m = /\{[\s\S]*\}/.exec(text);
  if (!m) return undefined;
  const parsed = JSON.parse(m[0]) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" && v.trim() ? v.trim() : undefined);
  return { type: str(parsed["type"]), summary: str(parsed["summary"]), why: str(parsed["why"]) };
}
