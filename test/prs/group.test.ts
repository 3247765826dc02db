import { describe, expect, it } from "vitest";
import type { ChangedFile } from "../../src/toolsets/prs/changes.js";
import { importsOf, kindOf, planGroups } from "../../src/toolsets/prs/group.js";

const change = (path: string, added = 10): ChangedFile => ({
  path,
  status: "modified",
  added,
  deleted: 0,
  binary: false,
});

function plan(texts: Record<string, string>, maxGroups = 10) {
  const files = Object.keys(texts).map((p) => change(p));
  return planGroups(files, { maxGroups, text: (f) => texts[f.path] ?? null });
}
const paths = (g: { files: ChangedFile[] }) => g.files.map((f) => f.path);

describe("planGroups", () => {
  it("keeps a lone file out of a parent module when folding it there would tie them into a cycle", () => {
    const groups = plan({
      "src/core/config.ts": "export const c = 1;\n",
      "src/mcp/a.ts": 'import { c } from "../core/config.js";\n',
      "src/mcp/b.ts": 'import "./a.js";\n',
      "src/mcp/c.ts": 'import "./a.js";\n',
      "src/toolsets/index.ts": 'import "../mcp/a.js";\n',
    });
    expect(groups.map(paths)).toEqual([
      ["src/core/config.ts"],
      ["src/mcp/a.ts", "src/mcp/b.ts", "src/mcp/c.ts"],
      ["src/toolsets/index.ts"],
    ]);
    expect(groups.map((g) => g.depends_on)).toEqual([[], [1], [2]]);
  });

  it("puts tests with the code they test, by name or by what they import", () => {
    const groups = plan({
      "src/auth/session.ts": "export const s = 1;\n",
      "src/auth/tokens.ts": "export const t = 1;\n",
      "src/auth/keys.ts": "export const k = 1;\n",
      "test/session.test.ts": "x\n",
      "test/flows.test.ts": 'import "../src/auth/tokens.js";\n',
      "tests/test_billing.py": "from app.billing import charge\n",
      "app/billing.py": "def charge(): pass\n",
    });
    const auth = groups.find((g) => paths(g).includes("src/auth/session.ts"))!;
    expect(paths(auth)).toEqual(expect.arrayContaining(["test/session.test.ts", "test/flows.test.ts"]));
    expect(auth.title).toBe("src/auth: update keys, session, tokens (with tests)");
    const billing = groups.find((g) => paths(g).includes("app/billing.py"))!;
    expect(paths(billing)).toContain("tests/test_billing.py");
  });

  it("merges neighbours in stack order to stay within max_groups, never reordering", () => {
    const texts: Record<string, string> = { "package.json": "{}", "docs/a.md": "# a" };
    for (const m of ["a", "b", "c", "d", "e"]) {
      for (const n of [1, 2, 3])
        texts[`src/${m}/f${n}.ts`] =
          m === "a" ? "" : `import "../${String.fromCharCode(m.charCodeAt(0) - 1)}/f1.js";\n`;
    }
    const all = plan(texts, 20);
    expect(all.map((g) => g.title.split(":")[0])).toEqual([
      "deps",
      "src/a",
      "src/b",
      "src/c",
      "src/d",
      "src/e",
      "docs",
    ]);
    const four = plan(texts, 4);
    expect(four).toHaveLength(4);
    expect(four[0]!.kind).toBe("dependencies");
    expect(four.at(-1)!.kind).toBe("docs");
    const flat = four.flatMap(paths).filter((p) => p.startsWith("src/"));
    expect(flat).toEqual([...flat].sort());
  });
});

describe("kinds and imports", () => {
  it.each([
    ["package-lock.json", "dependencies"],
    ["services/api/requirements-dev.txt", "dependencies"],
    [".github/workflows/ci.yml", "ci"],
    ["tsconfig.json", "config"],
    ["docs/guide.md", "docs"],
    ["src/x.spec.tsx", "test"],
    ["pkg/thing_test.go", "test"],
    ["src/x.ts", "source"],
  ])("%s is %s", (path, kind) => {
    expect(kindOf(path)).toBe(kind);
  });

  it("resolves relative JS/TS imports (with .js for .ts, index files) and Python modules to changed files", () => {
    const changed = new Set(["src/a.ts", "src/lib/index.ts", "pkg/util.py", "pkg/sub/__init__.py"]);
    expect(
      importsOf(
        "src/b.ts",
        'import { a } from "./a.js";\nconst l = await import("./lib");\n',
        changed,
      ).sort(),
    ).toEqual(["src/a.ts", "src/lib/index.ts"]);
    expect(
      importsOf("pkg/main.py", "from pkg.util import f\nimport pkg.sub\nimport os\n", changed).sort(),
    ).toEqual(["pkg/sub/__init__.py", "pkg/util.py"]);
  });
});
