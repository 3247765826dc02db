/**
 * `repowright index <path>` (progress bar on stderr) and `repowright search "<query>" --repo <path>`.
 * Both run in-process against the same code service the MCP tools use.
 */
import { basename } from "node:path";
import { watch as chokidarWatch } from "chokidar";
import { type Command, Option } from "commander";
import { type Config, loadConfig } from "../core/config.js";
import { AppError, isToolError } from "../core/errors.js";
import { createWorkspace } from "../core/workspace.js";
import { createCodeIndexPool } from "../toolsets/code/pg-store.js";
import { type CodeService, createCodeService } from "../toolsets/code/service.js";
import { skipDirByName } from "../toolsets/code/walk.js";
import type { CliIo } from "./program.js";

function bar(done: number, total: number, width = 30): string {
  const f = total > 0 ? Math.min(1, done / total) : 0;
  const n = Math.round(f * width);
  return `[${"#".repeat(n)}${".".repeat(width - n)}] ${(f * 100).toFixed(0).padStart(3)}%`;
}

/**
 * A code service for one command, with its own PostgreSQL pool when the index lives there
 * (`REPOWRIGHT_CODE_INDEX=postgres`); `fn` runs with it and everything is closed after.
 */
async function withService<T>(
  config: Readonly<Config>,
  dir: string,
  io: CliIo,
  fn: (service: CodeService) => Promise<T>,
): Promise<T> {
  const pool =
    config.code.index === "postgres"
      ? await userErrors(async () =>
          createCodeIndexPool(config.code, (err) =>
            io.stderr.write(`code index connection failed: ${err.message}\n`),
          ),
        )
      : undefined;
  try {
    // The directory the user named is the workspace of this command.
    const service = createCodeService(config, createWorkspace([dir]), { pool });
    try {
      return await fn(service);
    } finally {
      await service.close();
    }
  } finally {
    await pool?.end();
  }
}

/** Runs `fn`, turning a ToolError (bad path, not indexed, ...) into the CLI's one-line user error. */
async function userErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isToolError(err)) throw new AppError(`code_${err.type}`, err.message);
    throw err;
  }
}

/**
 * Re-runs the (incremental) index after changes settle (0.5 s without events), until SIGINT/SIGTERM.
 * chokidar rather than fs.watch: Node 20's recursive fs.watch on Linux sets its watches up asynchronously
 * and reports nothing for a while after start, and would also watch node_modules. Directories that are
 * never indexed are not watched; a change under a gitignored one costs a re-index that finds nothing.
 */
async function watchAndReindex(
  service: CodeService,
  root: string,
  embedder: "configured" | "lsi" | "none",
  out: (s: string) => void,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const reindex = () => {
    running = running.then(async () => {
      try {
        const r = await service.index(root, { embedder });
        if (r.files_indexed || r.files_deleted)
          out(
            `re-indexed ${r.files_indexed} changed, ${r.files_deleted} removed in ${(r.duration_ms / 1000).toFixed(1)} s`,
          );
      } catch (err) {
        out(`re-index failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  };
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
        const config = loadConfig({ env: io.env });
        const tty = (io.stderr as NodeJS.WriteStream).isTTY === true;
        let lastLine = "";
        await withService(config, path, io, async (service) => {
          const report = await userErrors(() =>
            service.index(path, {
              embedder: opts.embedder ?? "configured",
              onProgress: (p) => {
                const msg = p.message
                  ? ` ${p.message.length > 50 ? `…${p.message.slice(-49)}` : p.message}`
                  : "";
                const line =
                  p.phase === "walk"
                    ? "walking the tree…"
                    : `${p.phase.padEnd(5)} ${bar(p.done, p.total)} ${p.done}/${p.total}${msg}`;
                if (tty) io.stderr.write(`\r\x1b[2K${line}`);
                else if (line.slice(0, 20) !== lastLine.slice(0, 20)) io.stderr.write(`${line}\n`);
                lastLine = line;
              },
            }),
          );
          if (tty) io.stderr.write("\r\x1b[2K");
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
          if (opts.watch) await watchAndReindex(service, report.root, opts.embedder ?? "configured", out);
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
        if (!Number.isInteger(opts.k) || opts.k < 1 || opts.k > 200)
          throw new AppError("bad_arguments", "--k must be an integer from 1 to 200");
        if (query.length > 100_000)
          throw new AppError("bad_arguments", "the query is longer than 100000 characters");
        const config = loadConfig({ env: io.env });
        await withService(config, opts.repo, io, async (service) => {
          const { results } = await userErrors(() =>
            service.search(opts.repo, query, {
              k: opts.k,
              mode: opts.mode,
              granularity: opts.granularity,
              paths: opts.path,
              languages: opts.lang,
            }),
          );
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
