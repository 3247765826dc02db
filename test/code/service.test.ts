/**
 * A long-running server meets many repositories: the code service keeps only the most recently used
 * indexes open (with their in-memory tables and vectors) and reopens the others transparently.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config.js";
import { createWorkspace } from "../../src/core/workspace.js";
import { createCodeService } from "../../src/toolsets/code/service.js";
import { write } from "./fixture.js";

describe("code service with many repositories", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("keeps at most REPOWRIGHT_CODE_MAX_OPEN_INDEXES open and still answers for every repository", async () => {
    const home = mkdtempSync(join(tmpdir(), "rw-lru-home-"));
    dirs.push(home);
    const service = createCodeService(
      loadConfig({ env: { REPOWRIGHT_HOME: home, REPOWRIGHT_CODE_MAX_OPEN_INDEXES: "2" } }),
      createWorkspace([tmpdir()]),
    );
    const repos = ["alpha", "beta", "gamma"].map((name) => {
      const root = mkdtempSync(join(tmpdir(), `rw-lru-${name}-`));
      dirs.push(root);
      write(root, `src/${name}.ts`, `export function ${name}Handler(input: string) {\n  return input;\n}\n`);
      return { name, root };
    });
    for (const r of repos) await service.index(r.root, { embedder: "lsi" });
    const first = await service.require(repos[0]!.root);
    for (const r of repos.slice(1)) await service.search(r.root, `${r.name}Handler`, searchOpts);

    // alpha was the least recently used: closed (its handle no longer works) and reopened on demand.
    await expect(first.stats()).rejects.toThrow();
    const again = await service.require(repos[0]!.root);
    expect(again).not.toBe(first);
    for (const r of repos) {
      const { results } = await service.search(r.root, `${r.name}Handler`, searchOpts);
      expect(results[0]).toMatchObject({ path: `src/${r.name}.ts`, symbol: `${r.name}Handler` });
    }
    await service.close();
  });
});

const searchOpts = { k: 3, mode: "hybrid", granularity: "chunk" } as const;
