/**
 * What the CI doctor can repair by itself, per category: a formatter or a linter's own `--fix`, a lockfile
 * refresh, an action version bump, a missing workflow permission, a raised job time limit. Each fixer is
 * data (argv commands, run in the sandbox) or a small edit of a workflow file; never a shell string from a
 * log. Anything else is not "fixed" here: infrastructure is re-run, code failures go to the resolver or a
 * person.
 */
import { lstat, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseDocument } from "yaml";

/** A failure as diagnose_ci_run reports it (the fields the planner reads). */
export interface Failure {
  job_id: number;
  job: string;
  category: string;
  action: "rerun" | "fix" | "investigate";
  cause: string;
  fix?: string;
  facts: Record<string, unknown>;
  evidence: { line: number; text: string }[];
  fingerprint: string;
  tried_before?: unknown[];
  note?: string;
}

export interface Fix {
  /** Names the fix (e.g. `format:biome`): with the fingerprint, what is remembered as tried. */
  id: string;
  category: string;
  description: string;
  /** Commands run in the checkout, in order, in the sandbox. */
  commands: string[][];
  /**
   * Whether the commands are JavaScript tools: the repository's dependencies are installed first (npm ci,
   * when there is a lockfile and no node_modules) and its own node_modules/.bin copy of the tool is used.
   */
  needsNodeModules?: boolean;
  /** Whether the commands need the network (installs, lockfile refreshes). */
  network?: boolean;
  /** An edit the doctor makes itself (workflow files); returns the files it changed. */
  edit?: (root: string) => Promise<string[]>;
  /** The failures it addresses. */
  fingerprints: string[];
}

/** A JavaScript tool: the repository's own (node_modules/.bin) when installed, else the one on PATH. */
const npx = (...args: string[]) => args;

const FORMATTERS: Record<string, { commands: string[][]; node?: boolean }> = {
  biome: { commands: [npx("biome", "format", "--write", ".")], node: true },
  prettier: { commands: [npx("prettier", "--write", ".")], node: true },
  black: { commands: [["black", "."]] },
  ruff: { commands: [["ruff", "format", "."]] },
  rustfmt: { commands: [["cargo", "fmt", "--all"]] },
  gofmt: { commands: [["gofmt", "-w", "."]] },
  spotless: { commands: [["./gradlew", "spotlessApply"]] },
  "php-cs-fixer": { commands: [["vendor/bin/php-cs-fixer", "fix"]] },
};

const LINT_FIXERS: Record<string, { commands: string[][]; node?: boolean }> = {
  eslint: { commands: [npx("eslint", "--fix", ".")], node: true },
  biome: { commands: [npx("biome", "check", "--write", ".")], node: true },
  ruff: { commands: [["ruff", "check", "--fix", "."]] },
  rubocop: { commands: [["bundle", "exec", "rubocop", "-a"]] },
};

const LOCKFILES: Record<string, { commands: string[][]; files: string[] }> = {
  npm: {
    commands: [["npm", "install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund"]],
    files: ["package-lock.json"],
  },
  pnpm: { commands: [["pnpm", "install", "--lockfile-only", "--ignore-scripts"]], files: ["pnpm-lock.yaml"] },
  yarn: { commands: [["yarn", "install", "--mode", "update-lockfile"]], files: ["yarn.lock"] },
  cargo: { commands: [["cargo", "update", "--workspace"]], files: ["Cargo.lock"] },
  go: { commands: [["go", "mod", "tidy"]], files: ["go.sum"] },
  poetry: { commands: [["poetry", "lock", "--no-update"]], files: ["poetry.lock"] },
  uv: { commands: [["uv", "lock"]], files: ["uv.lock"] },
  bundler: { commands: [["bundle", "lock"]], files: ["Gemfile.lock"] },
  composer: { commands: [["composer", "update", "--lock", "--no-install"]], files: ["composer.lock"] },
};

/** The current major of the actions GitHub deprecates most often (when a log names an older one). */
export const CURRENT_ACTIONS: Record<string, string> = {
  "actions/checkout": "v4",
  "actions/setup-node": "v4",
  "actions/setup-python": "v5",
  "actions/setup-java": "v4",
  "actions/setup-go": "v5",
  "actions/cache": "v4",
  "actions/upload-artifact": "v4",
  "actions/download-artifact": "v4",
  "actions/github-script": "v7",
};

/** GitHub's longest job time limit on hosted runners, in minutes. */
const MAX_TIMEOUT_MINUTES = 360;

/**
 * The fix for one failure, or undefined when there is no mechanical one. `workflow` is the failing run's
 * workflow file (`.github/workflows/ci.yml`), for the fixes that edit it.
 */
export function fixFor(f: Failure, workflow: string): Fix | undefined {
  const tool = String(f.facts["tool"] ?? "").toLowerCase();
  const base = { category: f.category, fingerprints: [f.fingerprint] };
  if (f.category === "format") {
    const t = FORMATTERS[tool];
    if (!t) return undefined;
    return {
      ...base,
      id: `format:${tool}`,
      description: `ran ${tool} to format the files`,
      commands: t.commands,
      ...(t.node ? { needsNodeModules: true } : {}),
    };
  }
  if (f.category === "lint") {
    const t = LINT_FIXERS[tool];
    if (!t) return undefined;
    return {
      ...base,
      id: `lint:${tool}`,
      description: `applied ${tool}'s automatic fixes`,
      commands: t.commands,
      ...(t.node ? { needsNodeModules: true } : {}),
    };
  }
  if (f.category === "lockfile") {
    const t = LOCKFILES[tool];
    if (!t) return undefined;
    return {
      ...base,
      id: `lockfile:${tool}`,
      description: `refreshed ${t.files.join(", ")} from the manifest`,
      commands: t.commands,
      network: true,
    };
  }
  if (f.category === "configuration" && workflow) {
    const action = String(f.facts["package"] ?? "");
    const current = CURRENT_ACTIONS[action];
    if (current) {
      return {
        ...base,
        id: `action:${action}`,
        description: `bumped ${action} to ${current} in ${workflow}`,
        commands: [],
        edit: (root) => bumpAction(root, workflow, action, current),
      };
    }
    if (f.evidence.some((e) => /Permission to \S+ denied to github-actions\[bot\]/.test(e.text))) {
      return {
        ...base,
        id: "permissions:contents",
        description: `gave the workflow's token contents: write in ${workflow}`,
        commands: [],
        edit: (root) => grantPermission(root, workflow, "contents", "write"),
      };
    }
    return undefined;
  }
  if (f.category === "timeout" && workflow) {
    const limit = Number(f.facts["code"]);
    if (Number.isFinite(limit) && limit >= MAX_TIMEOUT_MINUTES) return undefined;
    return {
      ...base,
      id: `timeout:${f.job}`,
      description: `raised the time limit of job ${f.job} in ${workflow}`,
      commands: [],
      edit: (root) => raiseTimeout(root, workflow, f.job),
    };
  }
  return undefined;
}

/** Lockfiles a fix may create (they are committed even when they were not tracked before). */
export const LOCKFILE_NAMES = new Set(Object.values(LOCKFILES).flatMap((l) => l.files));

/** Fixes in the order they must run: lockfiles first (formatters may need an install that needs them). */
export function orderFixes(fixes: Fix[]): Fix[] {
  const rank = (f: Fix) => (f.category === "lockfile" ? 0 : f.category === "format" ? 2 : 1);
  const byId = new Map<string, Fix>();
  for (const f of fixes) {
    const known = byId.get(f.id);
    if (known) known.fingerprints.push(...f.fingerprints);
    else byId.set(f.id, { ...f, fingerprints: [...f.fingerprints] });
  }
  return [...byId.values()].sort((a, b) => rank(a) - rank(b));
}

async function readWorkflow(root: string, workflow: string): Promise<string | undefined> {
  if (!/^\.github\/workflows\/[\w.-]+\.ya?ml$/.test(workflow)) return undefined;
  const full = join(root, workflow);
  const st = await lstat(full).catch(() => undefined);
  return st?.isFile() ? readFile(full, "utf8") : undefined;
}

export async function bumpAction(
  root: string,
  workflow: string,
  action: string,
  version: string,
): Promise<string[]> {
  const text = await readWorkflow(root, workflow);
  if (text === undefined) return [];
  const escaped = action.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const next = text.replace(
    new RegExp(`(uses:\\s*["']?${escaped})@v?\\d[\\w.-]*`, "g"),
    (_m, head: string) => `${head}@${version}`,
  );
  if (next === text) return [];
  await writeFile(join(root, workflow), next);
  return [workflow];
}

export async function grantPermission(
  root: string,
  workflow: string,
  scope: string,
  level: "read" | "write",
): Promise<string[]> {
  const text = await readWorkflow(root, workflow);
  if (text === undefined) return [];
  const doc = parseDocument(text);
  if (doc.getIn(["permissions", scope]) === level) return [];
  const perms = doc.get("permissions");
  // `permissions: write-all` or a string: leave it to a person.
  if (perms !== undefined && typeof perms !== "object") return [];
  doc.setIn(["permissions", scope], level);
  await writeFile(join(root, workflow), doc.toString());
  return [workflow];
}

/** Doubles the job's `timeout-minutes` (GitHub's default is 360, the most: nothing to raise then). */
export async function raiseTimeout(root: string, workflow: string, job: string): Promise<string[]> {
  const text = await readWorkflow(root, workflow);
  if (text === undefined) return [];
  const doc = parseDocument(text);
  const jobs = doc.get("jobs") as { items?: { key: unknown; value: unknown }[] } | undefined;
  // The log names the job by its display name (`name:`) or its id.
  const id = jobs?.items
    ?.map((p) => String((p.key as { value?: unknown })?.value ?? p.key))
    .find((k) => k === job || doc.getIn(["jobs", k, "name"]) === job || job.startsWith(`${k} (`));
  if (!id) return [];
  const current = Number(doc.getIn(["jobs", id, "timeout-minutes"]));
  if (!Number.isFinite(current) || current >= MAX_TIMEOUT_MINUTES) return [];
  doc.setIn(
    ["jobs", id, "timeout-minutes"],
    Math.min(MAX_TIMEOUT_MINUTES, Math.max(current * 2, current + 5)),
  );
  await writeFile(join(root, workflow), doc.toString());
  return [workflow];
}
