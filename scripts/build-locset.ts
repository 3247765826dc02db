/**
 * Checks a localization set against bare git directories and materialises its checkouts (the code bench
 * reads them; docs/benchmarks.md explains the sets).
 *
 *   npx tsx scripts/build-locset.ts <set.jsonl> <out-dir> <owner/name>=<git-dir> [...] [--check]
 *
 * For every instance: the base commit exists, every changed file exists at the base, and, when the set
 * records `fix_commit`, the fix's parent is the base and the fix changes every listed file. Then (without
 * --check) `git archive <base> | tar -x` into `<out-dir>/<instance_id>`, without history so the fix cannot
 * leak into the index; a checkout already there is kept. Exits 1 when any instance fails a check.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

interface Instance {
  instance_id: string;
  repo: string;
  base_commit: string;
  files_changed: string[];
  fix_commit?: string;
}

function git(gitDir: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync("git", ["--git-dir", gitDir, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
  return { ok: r.status === 0, out: r.stdout ?? "" };
}

/** Every problem with one instance, empty when it is sound. */
export function checkInstance(inst: Instance, gitDir: string): string[] {
  const problems: string[] = [];
  const base = inst.base_commit;
  if (!git(gitDir, ["cat-file", "-e", `${base}^{commit}`]).ok) return [`base commit ${base} not found`];
  if (inst.files_changed.length === 0) problems.push("no files_changed");
  for (const f of inst.files_changed)
    if (!git(gitDir, ["cat-file", "-e", `${base}:${f}`]).ok) problems.push(`${f} does not exist at the base`);
  if (inst.fix_commit) {
    const parent = git(gitDir, ["rev-parse", `${inst.fix_commit}^`]);
    if (!parent.ok) problems.push(`fix commit ${inst.fix_commit} not found`);
    else if (parent.out.trim() !== base)
      problems.push(`the fix's parent is ${parent.out.trim()}, not the base`);
    const changed = new Set(
      git(gitDir, ["diff", "--name-only", base, inst.fix_commit]).out.split("\n").filter(Boolean),
    );
    for (const f of inst.files_changed) if (!changed.has(f)) problems.push(`the fix does not change ${f}`);
  }
  return problems;
}

/** `git archive <base> | tar -x -C <dest>`. */
function materialise(gitDir: string, base: string, dest: string): Promise<void> {
  mkdirSync(dest, { recursive: true });
  return new Promise((resolvePromise, reject) => {
    const archive = spawn("git", ["--git-dir", gitDir, "archive", base], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const tar = spawn("tar", ["-x", "-C", dest], { stdio: ["pipe", "inherit", "inherit"] });
    archive.stdout.pipe(tar.stdin);
    const exit = (child: ChildProcess) =>
      new Promise<number | null>((done) => child.on("close", (code) => done(code)));
    Promise.all([exit(archive), exit(tar)]).then(([a, t]) => {
      if (a === 0 && t === 0) resolvePromise();
      else reject(new Error(`git archive ${base} | tar -x failed (git ${a}, tar ${t})`));
    });
  });
}

async function main(argv: string[]): Promise<number> {
  const checkOnly = argv.includes("--check");
  const [setFile, outDir, ...rest] = argv.filter((a) => a !== "--check");
  const gitDirs = new Map(
    rest.map((a) => {
      const eq = a.indexOf("=");
      return [a.slice(0, eq), a.slice(eq + 1)] as const;
    }),
  );
  if (!setFile || !outDir || gitDirs.size === 0 || [...gitDirs.keys()].some((k) => !k)) {
    console.error("usage: build-locset.ts <set.jsonl> <out-dir> <owner/name>=<git-dir> [...] [--check]");
    return 2;
  }
  const instances = readFileSync(setFile, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Instance);
  let failed = 0;
  let made = 0;
  for (const inst of instances) {
    const gitDir = gitDirs.get(inst.repo);
    if (!gitDir) {
      console.error(`${inst.instance_id}: no git directory given for ${inst.repo}`);
      failed++;
      continue;
    }
    const problems = checkInstance(inst, gitDir);
    if (problems.length > 0) {
      console.error(`${inst.instance_id}: ${problems.join("; ")}`);
      failed++;
      continue;
    }
    const dest = join(outDir, inst.instance_id);
    if (checkOnly || existsSync(dest)) continue;
    try {
      await materialise(gitDir, inst.base_commit, dest);
      made++;
    } catch (e) {
      rmSync(dest, { recursive: true, force: true });
      console.error(`${inst.instance_id}: ${(e as Error).message}`);
      failed++;
    }
  }
  console.log(
    `${instances.length} instances, ${instances.length - failed} sound${checkOnly ? "" : `, ${made} checkouts made under ${outDir}`}`,
  );
  return failed > 0 ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main(process.argv.slice(2));
