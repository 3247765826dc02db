/**
 * `repowright index <path>` (progress bar on stderr) and `repowright search "<query>" --repo <path>`.
 * Both build the app for the code toolset and call its tools (index_repository, search_codebase) through the
 * host, as an MCP client would: the same validation, time limit, redaction, metrics and audit apply.
 */
import { basename } from "node:path";
import { type Command, Option } from "commander";
import type { App } from "../app.js";
import { AppError, isToolError } from "../core/errors.js";
import type { ProgressUpdate } from "../mcp/tool.js";
import type { IndexReport } from "../toolsets/code/indexer.js";
import type { SearchHit } from "../toolsets/code/search.js";
import type { CliIo } from "./program.js";

function bar(done: number, total: number, width = 30): string {
  const f = total > 0 ? Math.min(1, done / total) : 0;
  const n = Math.round(f * width);
  return `[${"#".repeat(n)}${".".repeat(width - n)}] ${(f * 100).toFixed(0).padStart(3)}%`;
}

const CALLER = { id: "cli", roles: ["admin"], transport: "in-process" as const };

/**
 * The app with the code toolset only, the directory the user named added to the workspace roots; `fn` runs
 * with it and everything (store, PostgreSQL pool, open indexes) is closed after.
 */
async function withApp<T>(dir: string, io: CliIo, fn: (app: App) => Promise<T>): Promise<T> {
  const { createApp } = await import("../app.js");
  let app: App;
  try {
    app = await createApp({
      env: io.env,
      overrides: { server: { toolsets: ["code"] } },
      extraRoots: [dir],
    });
  } catch (err) {
    // A setting the code toolset cannot start with (e.g. a PostgreSQL index without its URL).
    if (isToolError(err)) throw new AppError(`code_${err.type}`, err.message);
    throw err;
  }
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

/** Calls a code tool through the host; a tool error (bad path, not indexed, ...) is the CLI's one-line user error. */
async function call<T>(
  app: App,
  name: string,
  args: Record<string, unknown>,
  progress?: (u: ProgressUpdate) => Promise<void>,
): Promise<T> {
  const outcome = await app.host.invoke(name, args, { caller: CALLER, ...(progress ? { progress } : {}) });
  if (!outcome.ok) throw new AppError(`code_${outcome.error.type}`, outcome.error.error);
  return outcome.value as T;
}

/**
 * Re-runs the (incremental) index after changes settle (0.5 s without events), until SIGINT/SIGTERM.
 * chokidar rather than fs.watch: Node 20's recursive fs.watch on Linux sets its watches up asynchronously
 * and reports nothing for a while after start, and would also watch node_modules. Directories that are
 * never indexed are not watched; a change under a gitignored one costs a re-index that finds nothing.
 */
async function watchAndReindex(
  reindexOnce: () => Promise<IndexReport>,
  root: string,
  out: (s: string) => void,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const reindex = () => {
    running = running.then(async () => {
      try {
        const r = await reindexOnce();
        if (r.files_indexed || r.files_deleted)
          out(
            `re-indexed ${r.files_indexed} changed, ${r.files_deleted} removed in ${(r.duration_ms / 1000).toFixed(1)} s`,
          );
      } catch (err) {
        out(`re-index failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  };
  const [{ watch: chokidarWatch }, { skipDirByName }] = await Promise.all([
    import("chokidar"),
    import("../toolsets/code/walk.js"),
  ]);
  const watcher = chokidarWatch(root, {
    ignoreInitial: true,
    ignored: (path, stats) =>
      path !== root && (stats === undefined || stats.isDirectory()) && skipDirByName(basename(path)),
  });
  watcher.on("all", () => {
    clearTimeout(timer);
    timer = setTimeout(reindex, 500);
  });
  await new Promise<void>((resolve, reject) => {
    watcher.once("ready", resolve);
    watcher.once("error", reject);
  });
  // What changed between the first index and the watches being in place.
  reindex();
  await running;
  out(`watching ${root} (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await watcher.close();
  clearTimeout(timer);
  await running;
}

/**
 * index_repository's progress as a bar per phase. The tool's progress only grows across phases (each
 * phase starts one past where the last one ended) and its message starts with the phase, so the bar
 * restarts at each new phase from there.
 */
function progressBar(io: CliIo): { update: (u: ProgressUpdate) => Promise<void>; clear: () => void } {
  const tty = (io.stderr as NodeJS.WriteStream).isTTY === true;
  let phase = "";
  let offset = 0;
  let last = 0;
  let lastLine = "";
  return {
    async update(u) {
      const text = u.message ?? "";
      const colon = text.indexOf(":");
      const name = colon > 0 ? text.slice(0, colon) : "";
      const detail = colon > 0 ? text.slice(colon + 1).trim() : text;
      if (name !== phase) {
        if (phase) offset = last + 1;
        phase = name;
      }
      last = u.progress;
      const done = u.progress - offset;
      const total = u.total !== undefined ? u.total - offset : 0;
      const msg = detail ? ` ${detail.length > 50 ? `…${detail.slice(-49)}` : detail}` : "";
      const line =
        phase === "walk"
          ? "walking the tree…"
          : `${phase.padEnd(5)} ${bar(done, total)} ${done}/${total}${msg}`;
      if (tty) io.stderr.write(`\r\x1b[2K${line}`);
      else if (line.slice(0, 20) !== lastLine.slice(0, 20)) io.stderr.write(`${line}\n`);
      lastLine = line;
    },
    clear() {
      if (tty) io.stderr.write("\r\x1b[2K");
    },
  };
}

export function registerCodeCommands(program: Command, io: CliIo): void {
  const out = (s: string) => io.stdout.write(s.endsWith("\n") ? s : `${s}\n`);

  program
    .command("index")
    .description("Index (or refresh) a local repository for code search.")
    .argument("<path>", "repository directory")
    .addOption(
      new Option("--embedder <kind>", "vectors: configured, lsi or none").choices([
        "configured",
        "lsi",
        "none",
      ]),
    )
    .option("--json", "print the report as JSON")
    .option("--watch", "keep running and re-index (incrementally) when files change")
    .action(
      async (
        path: string,
        opts: { embedder?: "configured" | "lsi" | "none"; json?: boolean; watch?: boolean },
      ) => {
        await withApp(path, io, async (app) => {
          // The command ends when the app closes, which would stop a background vector phase: wait for it.
          const args = { path, embedder: opts.embedder ?? "configured", vectors: "wait" };
          const progress = progressBar(io);
          const report = await call<IndexReport>(app, "index_repository", args, progress.update);
          progress.clear();
          if (opts.json) out(JSON.stringify(report, null, 2));
          else {
            const skipped = Object.entries(report.skipped_reasons)
              .map(([r, n]) => `${n} ${r}`)
              .join(", ");
            out(
              `indexed ${report.root}: ${report.files_indexed} files (re)indexed, ${report.files_unchanged} unchanged, ` +
                `${report.files_deleted} removed, ${report.files_skipped} skipped${skipped ? ` (${skipped})` : ""}; ` +
                `${report.chunks_added} chunks, ${report.vectors_embedded} vectors (${report.embedder}) in ${(report.duration_ms / 1000).toFixed(1)} s` +
                (report.vectors === "none"
                  ? ""
                  : ` (searchable after ${(report.searchable_ms / 1000).toFixed(1)} s)`),
            );
          }
          if (opts.watch)
            await watchAndReindex(() => call<IndexReport>(app, "index_repository", args), report.root, out);
        });
      },
    );

  program
    .command("search")
    .description("Search an indexed repository (keywords, a symbol, a question or a whole issue).")
    .argument("<query>", "what to find")
    .requiredOption("--repo <path>", "repository directory (indexed with `repowright index`)")
    .option("--k <n>", "number of results", (v) => Number.parseInt(v, 10), 10)
    .addOption(
      new Option("--mode <mode>", "lexical, semantic or hybrid")
        .choices(["lexical", "semantic", "hybrid"])
        .default("hybrid"),
    )
    .addOption(new Option("--granularity <g>", "chunk or file").choices(["chunk", "file"]).default("chunk"))
    .option("--path <glob...>", "only files matching these globs")
    .option("--lang <language...>", "only these languages")
    .option(
      "--json",
      "print JSON: { results: [{ path, start_line, end_line, symbol, kind, score, snippet }] }",
    )
    .action(
      async (
        query: string,
        opts: {
          repo: string;
          k: number;
          mode: "lexical" | "semantic" | "hybrid";
          granularity: "chunk" | "file";
          path?: string[];
          lang?: string[];
          json?: boolean;
        },
      ) => {
        // The tool's own validation would say the same; checked here so a typo costs no app start-up.
        if (!Number.isInteger(opts.k) || opts.k < 1 || opts.k > 200)
          throw new AppError("bad_arguments", "--k must be an integer from 1 to 200");
        await withApp(opts.repo, io, async (app) => {
          const { results } = await call<{ results: SearchHit[] }>(app, "search_codebase", {
            path: opts.repo,
            query,
            k: opts.k,
            mode: opts.mode,
            granularity: opts.granularity,
            ...(opts.path ? { paths: opts.path } : {}),
            ...(opts.lang ? { languages: opts.lang } : {}),
          });
          if (opts.json) {
            out(
              JSON.stringify(
                {
                  results: results.map((r) => ({
                    path: r.path,
                    start_line: r.start_line,
                    end_line: r.end_line,
                    symbol: r.symbol,
                    kind: r.kind,
                    score: r.score,
                    snippet: r.snippet,
                  })),
                },
                null,
                2,
              ),
            );
            return;
          }
          if (results.length === 0) out("no results");
          for (const r of results) {
            out(
              `${r.path}:${r.start_line}-${r.end_line}  ${r.symbol ? `${r.symbol} ` : ""}(${r.kind})  ${r.score}`,
            );
            for (const line of r.snippet.split("\n").slice(0, 4)) out(`    ${line}`);
          }
        });
      },
    );
}
