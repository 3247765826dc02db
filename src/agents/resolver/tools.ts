/**
 * The tools the resolver's model edits with (documented with their schemas in docs/resolver.md, so any
 * model can drive them). They act on the run's worktree only, through paths.ts; `run_tests` runs the
 * repository's tests in the sandbox. The model never gets a token, a shell or the network: it reads,
 * searches, writes and asks for test runs.
 */
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { ToolError, validationError } from "../../core/errors.js";
import type { GitRepository } from "../../git/repo.js";
import type { LoopTool } from "../../llm/loop.js";
import { relativeInside, resolveInside } from "./paths.js";

const MAX_READ_LINES = 400;
const MAX_FILE_BYTES = 1024 * 1024;
const SKIP_DIRS = new Set([
  ".git",
  "node_modules",
  ".venv",
  "venv",
  "target",
  "dist",
  "build",
  "__pycache__",
  ".tox",
]);

export interface ResolverToolsOptions {
  root: string;
  git: GitRepository;
  /** Runs the repository's tests (all, or a selection of test ids); returns the text the model reads. */
  runTests(selection: string[] | undefined, signal: AbortSignal): Promise<string>;
}

const str = (input: Record<string, unknown>, key: string, required = true): string | undefined => {
  const v = input[key];
  if (v === undefined && !required) return undefined;
  if (typeof v !== "string") throw validationError(`${key} must be a string`);
  return v;
};

/** Every text file of the worktree (relative paths), skipping dependency and build directories. */
async function walk(root: string, limit = 20_000): Promise<string[]> {
  const out: string[] = [];
  const queue = [root];
  while (queue.length > 0 && out.length < limit) {
    const dir = queue.shift() as string;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isSymbolicLink()) continue;
      const full = join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) queue.push(full);
      } else if (e.isFile()) out.push(relative(root, full));
    }
  }
  return out;
}

async function readText(path: string): Promise<string | undefined> {
  const st = await stat(path).catch(() => undefined);
  if (!st || st.size > MAX_FILE_BYTES) return undefined;
  const buf = await readFile(path);
  if (buf.subarray(0, 8000).includes(0)) return undefined;
  return buf.toString("utf8");
}

const terms = (text: string) =>
  [...new Set(text.toLowerCase().match(/[a-z_][a-z0-9_]{2,}/g) ?? [])]
    .filter((t) => !STOP.has(t))
    .slice(0, 64);
const STOP = new Set(
  "the and for with that this from when not are was but have has you your can should would will into then than there what which does only also use using used like just get set".split(
    " ",
  ),
);

export function resolverTools(options: ResolverToolsOptions): LoopTool[] {
  const { root, git } = options;
  return [
    {
      spec: {
        name: "read_file",
        description: `Read a file of the repository, with line numbers (at most ${MAX_READ_LINES} lines per call).`,
        input_schema: {
          type: "object",
          properties: {
            path: { type: "string", description: "Path relative to the repository root." },
            start_line: { type: "integer", minimum: 1, description: "First line (default 1)." },
            end_line: { type: "integer", minimum: 1, description: "Last line (default start + 399)." },
          },
          required: ["path"],
        },
      },
      async run(input) {
        const rel = str(input, "path") as string;
        const file = await resolveInside(root, rel, true);
        const text = await readText(file);
        if (text === undefined) throw validationError(`${rel} is binary, a directory or larger than 1 MiB`);
        const lines = text.split("\n");
        const start = Math.max(1, Number(input["start_line"] ?? 1));
        const end = Math.min(
          lines.length,
          Number(input["end_line"] ?? start + MAX_READ_LINES - 1),
          start + MAX_READ_LINES - 1,
        );
        const body = lines
          .slice(start - 1, end)
          .map((l, i) => `${String(start + i).padStart(5)}  ${l}`)
          .join("\n");
        return `${relativeInside(rel)} (lines ${start}-${end} of ${lines.length})\n${body}`;
      },
    },
    {
      spec: {
        name: "list_dir",
        description: "List a directory of the repository (files and subdirectories).",
        input_schema: {
          type: "object",
          properties: {
            path: { type: "string", description: "Directory relative to the root (default .)." },
          },
        },
      },
      async run(input) {
        const rel = str(input, "path", false) ?? ".";
        const dir = await resolveInside(root, rel, true);
        const entries = await readdir(dir, { withFileTypes: true });
        return entries
          .filter((e) => e.name !== ".git")
          .map((e) => (e.isDirectory() ? `${e.name}/` : e.isSymbolicLink() ? `${e.name} (symlink)` : e.name))
          .sort()
          .join("\n");
      },
    },
    {
      spec: {
        name: "search_codebase",
        description:
          "Find the files and lines that best match a question or an error message (lexical ranking over the repository's text files).",
        input_schema: {
          type: "object",
          properties: {
            query: { type: "string", description: "Words, identifiers or an error message." },
            k: { type: "integer", minimum: 1, maximum: 30, description: "Files to return (default 10)." },
          },
          required: ["query"],
        },
      },
      async run(input) {
        const words = terms(str(input, "query") as string);
        if (words.length === 0) throw validationError("the query has no searchable words");
        const k = Math.min(30, Math.max(1, Number(input["k"] ?? 10)));
        const files = await walk(root);
        const docs: { path: string; lines: string[]; tf: Map<string, number> }[] = [];
        const df = new Map<string, number>();
        for (const path of files) {
          const text = await readText(join(root, path));
          if (text === undefined) continue;
          const lower = `${path}\n${text}`.toLowerCase();
          const tf = new Map<string, number>();
          for (const w of words) {
            let n = 0;
            for (let at = lower.indexOf(w); at >= 0 && n < 50; at = lower.indexOf(w, at + w.length)) n++;
            if (n > 0) {
              tf.set(w, n);
              df.set(w, (df.get(w) ?? 0) + 1);
            }
          }
          if (tf.size > 0) docs.push({ path, lines: text.split("\n"), tf });
        }
        const scored = docs
          .map((d) => {
            let score = 0;
            for (const [w, n] of d.tf)
              score += (1 + Math.log(n)) * Math.log(1 + files.length / (df.get(w) ?? 1));
            return { ...d, score };
          })
          .sort((a, b) => b.score - a.score)
          .slice(0, k);
        if (scored.length === 0) return "no file matches";
        return scored
          .map((d) => {
            const hits = d.lines
              .map((l, i) => ({ l, i, n: words.filter((w) => l.toLowerCase().includes(w)).length }))
              .filter((h) => h.n > 0)
              .sort((a, b) => b.n - a.n || a.i - b.i)
              .slice(0, 3)
              .map((h) => `  ${h.i + 1}: ${h.l.trim().slice(0, 160)}`);
            return `${d.path} (score ${d.score.toFixed(1)})\n${hits.join("\n")}`;
          })
          .join("\n");
      },
    },
    {
      spec: {
        name: "find_symbol",
        description: "Where a function, class, method, type or variable is defined.",
        input_schema: {
          type: "object",
          properties: { name: { type: "string", description: "The symbol's name." } },
          required: ["name"],
        },
      },
      async run(input) {
        const name = str(input, "name") as string;
        if (!/^[A-Za-z_$][\w$]{0,127}$/.test(name)) throw validationError("name must be an identifier");
        const def = new RegExp(
          `\\b(?:function\\*?|def|class|fn|func|interface|type|struct|enum|trait|const|let|var|module)\\s+${name}\\b|\\b${name}\\s*[:=]\\s*(?:function|\\(|async)|^\\s*(?:async\\s+)?${name}\\s*\\([^)]*\\)\\s*\\{`,
        );
        const out: string[] = [];
        for (const path of await walk(root)) {
          const text = await readText(join(root, path));
          if (text === undefined) continue;
          text.split("\n").forEach((l, i) => {
            if (out.length < 40 && def.test(l)) out.push(`${path}:${i + 1}: ${l.trim().slice(0, 160)}`);
          });
        }
        return out.length > 0 ? out.join("\n") : `no definition of ${name} found`;
      },
    },
    {
      spec: {
        name: "write_file",
        description: "Create or replace a file of the repository with this content (the whole file).",
        input_schema: {
          type: "object",
          properties: {
            path: { type: "string", description: "Path relative to the repository root." },
            content: { type: "string", description: "The file's full new content." },
          },
          required: ["path", "content"],
        },
      },
      async run(input) {
        const rel = str(input, "path") as string;
        const content = str(input, "content") as string;
        if (Buffer.byteLength(content) > MAX_FILE_BYTES)
          throw validationError("content is larger than 1 MiB");
        const file = await resolveInside(root, rel, false);
        await mkdir(dirname(file), { recursive: true });
        // Parents just created are real directories; check again that nothing on the way is a link.
        await resolveInside(root, relative(root, dirname(file)) || ".", true);
        await writeFile(file, content);
        return `wrote ${relativeInside(rel)} (${content.split("\n").length} lines)`;
      },
    },
    {
      spec: {
        name: "apply_patch",
        description: "Apply a unified diff (as `git diff` prints it) to the repository.",
        input_schema: {
          type: "object",
          properties: { patch: { type: "string", description: "The unified diff." } },
          required: ["patch"],
        },
      },
      async run(input, signal) {
        const patch = str(input, "patch") as string;
        const paths = [...patch.matchAll(/^(?:---|\+\+\+) (?:[ab]\/)?(\S+)/gm)].map((m) => m[1] as string);
        if (paths.length === 0) throw validationError("no file headers (--- a/x, +++ b/x) in the patch");
        for (const p of paths) {
          if (p === "/dev/null") continue;
          await resolveInside(root, p, false);
        }
        const text = patch.endsWith("\n") ? patch : `${patch}\n`;
        // git apply refuses paths beyond a symlink and outside the tree by itself; --check first so a bad
        // patch changes nothing.
        const check = await git.raw(["apply", "--check", "--recount", "-"], { input: text, signal });
        if (check.code !== 0)
          throw new ToolError("validation", `the patch does not apply: ${check.stderr.trim().slice(0, 500)}`);
        await git.run(["apply", "--recount", "-"], { input: text, signal });
        return `applied to ${[...new Set(paths.filter((p) => p !== "/dev/null"))].join(", ")}`;
      },
    },
    {
      spec: {
        name: "run_tests",
        description:
          "Run the repository's tests in the sandbox (all, or the given test ids) and see which pass and fail, with the end of the output.",
        input_schema: {
          type: "object",
          properties: {
            selection: {
              type: "array",
              items: { type: "string" },
              description: "Test ids to run (default: all).",
            },
          },
        },
      },
      async run(input, signal) {
        const sel = input["selection"];
        if (sel !== undefined && (!Array.isArray(sel) || sel.some((s) => typeof s !== "string"))) {
          throw validationError("selection must be a list of test ids");
        }
        return options.runTests(sel as string[] | undefined, signal);
      },
    },
    {
      spec: {
        name: "finish",
        description:
          "Say the change is done: the gates (tests, policy, secrets) then decide whether a pull request opens.",
        input_schema: {
          type: "object",
          properties: {
            summary: { type: "string", description: "What the change does." },
            root_cause: { type: "string", description: "Why the bug happened." },
          },
          required: ["summary"],
        },
      },
      ends: true,
      async run(input) {
        str(input, "summary");
        return "finishing: the gates run now";
      },
    },
    {
      spec: {
        name: "give_up",
        description: "Stop without a change, saying why (the issue's thread gets the reason).",
        input_schema: {
          type: "object",
          properties: { reason: { type: "string", description: "Why no fix is possible here." } },
          required: ["reason"],
        },
      },
      ends: true,
      async run(input) {
        str(input, "reason");
        return "stopping";
      },
    },
  ];
}
