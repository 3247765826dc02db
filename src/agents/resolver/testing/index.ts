/**
 * Finding, running and reading a repository's own tests, for the resolver's evidence. Detection reads the
 * repository (`.repowright.yml`, package.json, pytest configuration, Cargo.toml, ...); runs go through
 * the sandbox (the repository's code is untrusted); results are read per test where the runner prints
 * them (node:test TAP, pytest -rA, cargo's `test x ... ok`), so the gates can say which tests a change
 * fixed and which it broke. A run whose output cannot be read per test is marked unparsed: it proves nothing.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { runSandboxed, type SandboxIsolation, type SandboxOptions } from "../../../sandbox/index.js";

export type Runner = "node-test" | "pytest" | "cargo" | "go" | "script";

export interface TestPlan {
  ecosystem: "node" | "python" | "rust" | "go" | "other";
  runner: Runner;
  /** argv of the whole suite. */
  command: string[];
  install?: string[];
  /** Why this command (shown in the PR). */
  source: string;
  /** argv running only these tests, when the runner can select. */
  select?(testIds: string[]): string[];
}

export interface TestReport {
  parsed: boolean;
  passed: string[];
  failed: string[];
  skipped: string[];
  exitCode: number | null;
  summary: string;
}

export interface TestRun extends TestReport {
  tail: string;
  durationMs: number;
  timedOut: boolean;
  isolation?: SandboxIsolation;
}

const read = (root: string, file: string) => {
  try {
    return readFileSync(join(root, file), "utf8");
  } catch {
    return undefined;
  }
};

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export async function detectTestPlan(root: string): Promise<TestPlan | undefined> {
  const own = read(root, ".repowright.yml") ?? read(root, ".repowright.yaml");
  if (own) {
    const cfg = parseYaml(own) as { test?: string; install?: string } | null;
    if (cfg?.test) {
      return {
        ecosystem: "other",
        runner: "script",
        command: ["sh", "-c", cfg.test],
        ...(cfg.install ? { install: ["sh", "-c", cfg.install] } : {}),
        source: ".repowright.yml test",
      };
    }
  }
  const pkgText = read(root, "package.json");
  if (pkgText) {
    const pkg = JSON.parse(pkgText) as { scripts?: Record<string, string> };
    const script = pkg.scripts?.["test"]?.trim();
    const install = existsSync(join(root, "package-lock.json"))
      ? ["npm", "ci", "--no-audit", "--no-fund"]
      : undefined;
    if (script && /^node\s+--test(\s|$)/.test(script)) {
      const extra = script.split(/\s+/).slice(2);
      const base = ["node", "--test", "--test-reporter=tap", ...extra];
      return {
        ecosystem: "node",
        runner: "node-test",
        command: base,
        ...(install ? { install } : {}),
        source: "package.json scripts.test (node --test)",
        select: (ids) => [
          ...base,
          `--test-name-pattern=^(${ids.map((id) => escapeRegex(id.split(" > ").pop() as string)).join("|")})$`,
        ],
      };
    }
    if (script && !/no test specified/.test(script)) {
      return {
        ecosystem: "node",
        runner: "script",
        command: ["npm", "test", "--silent"],
        ...(install ? { install } : {}),
        source: "package.json scripts.test",
      };
    }
  }
  const pyConfigured =
    existsSync(join(root, "pytest.ini")) ||
    /\[tool\.pytest/.test(read(root, "pyproject.toml") ?? "") ||
    /\[tool:pytest\]/.test(read(root, "setup.cfg") ?? "") ||
    existsSync(join(root, "tests")) ||
    existsSync(join(root, "conftest.py"));
  if (
    pyConfigured &&
    (existsSync(join(root, "pyproject.toml")) ||
      existsSync(join(root, "setup.py")) ||
      existsSync(join(root, "pytest.ini")) ||
      existsSync(join(root, "conftest.py")))
  ) {
    const base = ["python3", "-m", "pytest", "-rA", "-q", "-p", "no:cacheprovider"];
    return {
      ecosystem: "python",
      runner: "pytest",
      command: base,
      source: "pytest configuration",
      select: (ids) => [...base, ...ids],
    };
  }
  if (existsSync(join(root, "Cargo.toml"))) {
    return {
      ecosystem: "rust",
      runner: "cargo",
      command: ["cargo", "test", "--offline"],
      source: "Cargo.toml",
    };
  }
  if (existsSync(join(root, "go.mod"))) {
    return { ecosystem: "go", runner: "go", command: ["go", "test", "-v", "./..."], source: "go.mod" };
  }
  if (/^test:/m.test(read(root, "Makefile") ?? "")) {
    return {
      ecosystem: "other",
      runner: "script",
      command: ["make", "test"],
      source: "Makefile test target",
    };
  }
  return undefined;
}

/** Reads per-test outcomes from what the runner printed. */
export function parseTestResults(
  plan: TestPlan,
  root: string,
  out: { stdout: string; stderr: string; exitCode: number | null },
): TestReport {
  const passed: string[] = [];
  const failed: string[] = [];
  const skipped: string[] = [];
  const text = `${out.stdout}\n${out.stderr}`;
  if (plan.runner === "node-test") parseTap(out.stdout, root, passed, failed, skipped);
  else if (plan.runner === "pytest") {
    for (const m of text.matchAll(/^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\s+(\S+::\S+|\S+\.py)/gm)) {
      const [, kind, id] = m as unknown as [string, string, string];
      if (kind === "PASSED" || kind === "XPASS") passed.push(id);
      else if (kind === "SKIPPED" || kind === "XFAIL") skipped.push(id);
      else failed.push(id);
    }
  } else if (plan.runner === "cargo") {
    for (const m of text.matchAll(/^test (\S+) \.\.\. (ok|FAILED|ignored)$/gm)) {
      const [, id, kind] = m as unknown as [string, string, string];
      (kind === "ok" ? passed : kind === "ignored" ? skipped : failed).push(id);
    }
  } else if (plan.runner === "go") {
    for (const m of text.matchAll(/^\s*--- (PASS|FAIL|SKIP): (\S+)/gm)) {
      const [, kind, id] = m as unknown as [string, string, string];
      (kind === "PASS" ? passed : kind === "SKIP" ? skipped : failed).push(id);
    }
  }
  const parsed = passed.length + failed.length > 0;
  return {
    parsed,
    passed: [...new Set(passed)],
    failed: [...new Set(failed)],
    skipped: [...new Set(skipped)],
    exitCode: out.exitCode,
    summary: parsed
      ? `${new Set(passed).size} passed, ${new Set(failed).size} failed${skipped.length ? `, ${skipped.length} skipped` : ""}`
      : `exit code ${out.exitCode} (no per-test results could be read)`,
  };
}

/** node --test's TAP: `ok N - name` / `not ok N - name`, nested by indentation, the file in `location:`. */
function parseTap(stdout: string, root: string, passed: string[], failed: string[], skipped: string[]) {
  const lines = stdout.split("\n");
  const stack: { indent: number; name: string }[] = [];
  const results: {
    indent: number;
    names: string[];
    ok: boolean;
    skip: boolean;
    location?: string;
    leaf: boolean;
  }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const sub = /^(\s*)# Subtest: (.*)$/.exec(line);
    if (sub) {
      const indent = (sub[1] as string).length;
      while (stack.length && (stack.at(-1) as { indent: number }).indent >= indent) stack.pop();
      stack.push({ indent, name: sub[2] as string });
      continue;
    }
    const res = /^(\s*)(not ok|ok) \d+ - (.*?)(?: # (SKIP|TODO).*)?$/.exec(line);
    if (!res) continue;
    const indent = (res[1] as string).length;
    while (stack.length && (stack.at(-1) as { indent: number }).indent > indent) stack.pop();
    const names = stack.filter((s) => s.indent < indent).map((s) => s.name);
    let location: string | undefined;
    for (let j = i + 1; j < Math.min(lines.length, i + 8); j++) {
      const loc = /^\s*location: '(.*):\d+:\d+'$/.exec(lines[j] as string);
      if (loc) {
        location = loc[1];
        break;
      }
    }
    const prev = results.at(-1);
    // A result right after a deeper one closes a suite (describe): the deeper ones were its tests.
    const leaf = !(prev && prev.indent > indent);
    results.push({
      indent,
      names: [...names, res[3] as string],
      ok: res[2] === "ok",
      skip: Boolean(res[4]),
      ...(location ? { location } : {}),
      leaf,
    });
  }
  for (const r of results) {
    if (!r.leaf) continue;
    const file = r.location ? relative(root, resolve(root, r.location.replace(/^file:\/\//, ""))) : "";
    const id = [file, ...r.names].filter(Boolean).join(" > ");
    (r.skip ? skipped : r.ok ? passed : failed).push(id);
  }
}

export interface RunTestsOptions {
  selection?: string[];
  timeoutMs?: number;
  sandbox?: Partial<SandboxOptions>;
  signal?: AbortSignal;
}

export async function runTests(
  plan: TestPlan,
  root: string,
  options: RunTestsOptions = {},
): Promise<TestRun> {
  const command = options.selection && plan.select ? plan.select(options.selection) : plan.command;
  const result = await runSandboxed({
    ...options.sandbox,
    command,
    cwd: root,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const report = parseTestResults(plan, root, result);
  const tail = `${result.stdout}\n${result.stderr}`.trimEnd().split("\n").slice(-60).join("\n");
  return {
    ...report,
    ...(result.timedOut ? { summary: `${report.summary} (timed out)` } : {}),
    tail,
    durationMs: result.durationMs,
    timedOut: result.timedOut,
    isolation: result.isolation,
  };
}

export interface Comparison {
  fixed: string[];
  broken: string[];
  stillFailing: string[];
  newTests: string[];
  /** False when either run could not be read per test: then nothing is fixed or proven. */
  comparable: boolean;
}

export function compareRuns(base: TestReport, change: TestReport): Comparison {
  const basePassed = new Set(base.passed);
  const baseFailed = new Set(base.failed);
  const changePassed = new Set(change.passed);
  const changeFailed = new Set(change.failed);
  const known = new Set([...base.passed, ...base.failed, ...base.skipped]);
  const comparable = base.parsed && change.parsed;
  return {
    comparable,
    fixed: comparable ? change.passed.filter((t) => baseFailed.has(t) || !known.has(t)) : [],
    broken: base.passed.filter((t) => !changePassed.has(t)),
    stillFailing: change.failed.filter((t) => baseFailed.has(t)),
    newTests: [...changePassed, ...changeFailed].filter((t) => !known.has(t)),
  };
}
