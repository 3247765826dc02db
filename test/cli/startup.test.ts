/**
 * The command line loads only the module of the command being run (start-up time is in bench/cli.ts);
 * these check that the lazy table still reaches every command and that the version is the package's.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { modulesFor } from "../../src/cli/program.js";
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
    expect(modulesFor(["node", "repowright", "emulate", "jira"])).toHaveLength(4);
    expect(modulesFor(["node", "repowright", "no-such-command"])).toHaveLength(all);
    const unknown = await runCliCaptured(["no-such-command"], {});
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown command 'no-such-command'/);
  });
});
