/**
 * The command line loads only the module of the command being run (start-up time is in bench/cli.ts);
 * these check that the lazy table still reaches every command and that the version is the package's.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { modulesFor } from "../../src/cli/program.js";
import { readToolManifest, toolManifest } from "../../src/cli/tool-manifest.js";
import { formatToolList } from "../../src/cli/tools-list.js";
import { allToolsets } from "../../src/toolsets/index.js";
import { runCliCaptured } from "../helpers/cli.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

describe("CLI start-up", () => {
  it("prints the package's version", async () => {
    const r = await runCliCaptured(["--version"], {});
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(pkg.version);
  });

  it("help lists every command, each from its own module", async () => {
    const r = await runCliCaptured(["--help"], {});
    expect(r.code).toBe(0);
    for (const word of [
      "serve",
      "tools",
      "call",
      "index",
      "search",
      "emulate",
      "ci",
      "audit",
      "worker",
      "flow",
      "resolve",
      "sandbox",
      "mcp-config",
      "split",
    ]) {
      expect(r.out).toMatch(new RegExp(`^  ${word}\\b`, "m"));
    }
    const emulate = await runCliCaptured(["emulate", "--help"], {});
    expect(emulate.out).toMatch(/github/);
    expect(emulate.out).toMatch(/jira/);
    expect(emulate.out).toMatch(/llm/);
    expect(emulate.out).toMatch(/frappe/);
  });

  it("loads one module for a known command and all of them for an unknown word", async () => {
    const all = modulesFor(["node", "repowright"]).length;
    expect(modulesFor(["node", "repowright", "ci", "diagnose-log", "x.log"])).toHaveLength(1);
    expect(modulesFor(["node", "repowright", "emulate", "jira"])).toHaveLength(1);
    expect(modulesFor(["node", "repowright", "no-such-command"])).toHaveLength(all);
    const unknown = await runCliCaptured(["no-such-command"], {});
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown command 'no-such-command'/);
  });

  it("lists tools from a manifest of this version, and ignores a stale or broken one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rw-manifest-"));
    try {
      const manifest = toolManifest(allToolsets());
      const file = join(dir, "tool-manifest.json");
      writeFileSync(file, JSON.stringify(manifest));
      const read = readToolManifest(pathToFileURL(file));
      expect(formatToolList(read!.toolsets, false)).toBe(formatToolList(allToolsets(), false));
      writeFileSync(file, JSON.stringify({ ...manifest, version: "0.0.0-old" }));
      expect(readToolManifest(pathToFileURL(file))).toBeUndefined();
      writeFileSync(file, "{ not json");
      expect(readToolManifest(pathToFileURL(file))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // From the sources there is no manifest: the toolsets themselves are listed, filtered as asked.
    const r = await runCliCaptured(["tools", "--toolsets", "memory", "--read-only", "--json"], {});
    const listed = JSON.parse(r.out) as { toolset: string; annotations: { readOnlyHint?: boolean } }[];
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((t) => t.toolset === "memory" && t.annotations.readOnlyHint)).toBe(true);
  });
});
