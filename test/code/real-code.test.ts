/**
 * Real code nobody here wrote: parts of this machine's Python standard library and of node_modules.
 * (The full runs are in bench/ and docs/code.md; these subsets keep the suite fast.)
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config.js";
import { createWorkspace } from "../../src/core/workspace.js";
import { type CodeService, createCodeService } from "../../src/toolsets/code/service.js";

function stdlibDir(): string | undefined {
  try {
    return execFileSync("python3", ["-c", "import sysconfig;print(sysconfig.get_paths()['stdlib'])"], {
      encoding: "utf8",
    }).trim();
  } catch {
    return undefined;
  }
}

const stdlib = stdlibDir();
const targets: [string, string | undefined, string, string][] = [
  ["python stdlib json/", stdlib && join(stdlib, "json"), "JSONDecoder", "decoder.py"],
  ["python stdlib email/", stdlib && join(stdlib, "email"), "BytesParser", "parser.py"],
  [
    "node_modules/commander",
    resolve(__dirname, "../../node_modules/commander"),
    "parseAsync",
    "lib/command.js",
  ],
  [
    "node_modules/zod/src/v3",
    resolve(__dirname, "../../node_modules/zod/src/v3"),
    "ZodDiscriminatedUnion",
    "types.ts",
  ],
];

describe("indexing real code", () => {
  let home: string;
  let service: CodeService;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), "rw-real-"));
    service = createCodeService(
      loadConfig({ env: { REPOWRIGHT_HOME: home } }),
      createWorkspace(targets.flatMap(([, dir]) => (dir ? [dir] : []))),
    );
  });
  afterAll(async () => {
    await service.close();
    rmSync(home, { recursive: true, force: true });
  });

  for (const [name, dir, symbol, file] of targets) {
    it.skipIf(!dir || !existsSync(dir))(
      `${name}: indexes, explains every skip, re-runs for free, finds ${symbol}`,
      async () => {
        const first = await service.index(dir!, { embedder: "lsi" });
        expect(first.files_indexed).toBeGreaterThan(3);
        const idx = await service.require(dir!);
        for (const s of await idx.skipped(100_000)) expect(s.reason).toMatch(/\w/);
        expect(await idx.skippedCount()).toBe(first.files_skipped);
        const second = await service.index(dir!, { embedder: "lsi" });
        expect(second).toMatchObject({
          files_indexed: 0,
          files_deleted: 0,
          files_unchanged: first.files_indexed,
        });
        const { results } = await service.search(dir!, symbol, {
          k: 5,
          mode: "hybrid",
          granularity: "chunk",
        });
        expect(results[0]!.symbol.split(".").at(-1)).toBe(symbol);
        expect(results[0]!.path).toContain(file);
      },
      60_000,
    );
  }
});
