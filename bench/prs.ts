/**
 * The PR analyzer at scale: a git repository with N changed files (TypeScript modules importing each
 * other across directories, modified and new files, tests, docs), analysed (analyze_repository's work:
 * git, contents, tree-sitter imports) and grouped (suggest_pr_boundaries, hybrid), for N = 500 and
 * 5,000: time, heap growth, and how the time grows from 500 to 5,000 (10x the files).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createWorkspace } from "../src/core/workspace.js";
import { analyzeRepository } from "../src/toolsets/prs/analyze.js";
import { suggestBoundaries } from "../src/toolsets/prs/boundaries.js";

function makeRepo(n: number): string {
  const dir = mkdtempSync(join(tmpdir(), "rw-bench-prs-"));
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "ignore" });
  git("init", "-q", "-b", "main");
  const write = (p: string, text: string) => {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  };
  const path = (k: number) => `src/m${k % 50}/f${k}.ts`;
  // Half the files exist at the base; the change modifies them and adds the other half.
  for (let k = 0; k < n; k += 2) write(path(k), `export const v${k} = ${k};\n`);
  git("add", "-A");
  git("-c", "user.name=b", "-c", "user.email=b@x", "commit", "-qm", "base");
  for (let k = 0; k < n; k++) {
    const deps = [k - 1, k - 7, k - 50].filter((d) => d >= 0);
    const imports = deps.map((d) => `import { v${d} } from "../m${d % 50}/f${d}.js";`).join("\n");
    write(path(k), `${imports}\nexport const v${k} = ${deps.map((d) => `v${d}`).join(" + ") || "0"};\n`);
  }
  return dir;
}

export async function run(): Promise<void> {
  const rows: { n: number; analyseMs: number; groupMs: number; groups: number; heapMb: number }[] = [];
  for (const n of [500, 5000]) {
    const dir = makeRepo(n);
    try {
      const workspace = createWorkspace([dir]);
      global.gc?.();
      const heap0 = process.memoryUsage().heapUsed;
      const t0 = performance.now();
      const analysis = await analyzeRepository(workspace, dir, {
        includeUntracked: true,
        excludePatterns: [],
      });
      const t1 = performance.now();
      const b = suggestBoundaries(analysis, { strategy: "hybrid", maxFilesPerPr: 50 });
      const t2 = performance.now();
      rows.push({
        n,
        analyseMs: Math.round(t1 - t0),
        groupMs: Math.round(t2 - t1),
        groups: b.groups.length,
        heapMb: Math.round((process.memoryUsage().heapUsed - heap0) / 1e5) / 10,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  process.stdout.write(
    "\n## prs: analyse and group N changed files\n\n| files | analyse ms | group ms | groups | heap growth MB |\n|---|---|---|---|---|\n",
  );
  for (const r of rows)
    process.stdout.write(`| ${r.n} | ${r.analyseMs} | ${r.groupMs} | ${r.groups} | ${r.heapMb} |\n`);
  const [a, b] = rows;
  if (a && b)
    process.stdout.write(
      `\n10x the files: analyse ${(b.analyseMs / Math.max(1, a.analyseMs)).toFixed(1)}x, group ${(b.groupMs / Math.max(1, a.groupMs)).toFixed(1)}x the time\n`,
    );
}
