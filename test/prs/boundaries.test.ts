/**
 * suggest_pr_boundaries, validate_pr_groups and generate_pr_metadata on analyses built by hand (the
 * shape analyze_repository returns), through their functions: the cases a new user reported.
 */
import { describe, expect, it } from "vitest";
import type { AnalyzedFile, Hunk } from "../../src/toolsets/prs/analyze.js";
import { suggestBoundaries } from "../../src/toolsets/prs/boundaries.js";
import { kindOf } from "../../src/toolsets/prs/group.js";
import { generateMetadata } from "../../src/toolsets/prs/metadata.js";
import { checkGroups } from "../../src/toolsets/prs/validate.js";

const hunk = (new_start: number, new_lines: number, uses: string[] = []): Hunk => ({
  old_start: new_start,
  old_lines: 1,
  new_start,
  new_lines,
  header: "",
  uses,
});

function file(path: string, o: Partial<AnalyzedFile> = {}): AnalyzedFile {
  const status = o.status ?? "added";
  return {
    path,
    status,
    kind: kindOf(path),
    language: "typescript",
    staged: false,
    unstaged: true,
    untracked: status === "added",
    committed: false,
    binary: false,
    symlink: false,
    submodule: false,
    added: 5,
    deleted: 0,
    size_bytes: 50,
    hunks: [
      hunk(
        1,
        5,
        (o.imports ?? []).map((i) => i.path),
      ),
    ],
    imports: [],
    ...o,
  };
}
const imp = (...paths: string[]) => paths.map((path, k) => ({ path, line: k + 1 }));
const paths = (g: { files: { path: string; hunks?: number[] }[] }) =>
  g.files.map((f) => (f.hunks ? `${f.path}#${f.hunks.join(",")}` : f.path));
const meta = (files: AnalyzedFile[], index = 1) =>
  generateMetadata({
    group: { index, files: files.map((f) => ({ path: f.path })), depends_on: [] },
    files,
    stack: { total: 3 },
    templates: { title: "{type}({scope}): {summary}" },
  });

describe("suggestBoundaries", () => {
  it("breaks an import cycle across three directories by moving the hunk that closes it, not one big PR", () => {
    const files: AnalyzedFile[] = [];
    for (const d of ["a", "b", "c"]) for (let n = 1; n <= 8; n++) files.push(file(`${d}/f${n}.ts`));
    // a/x.ts: its first hunk adds an import of b/y.ts and uses it; its second hunk is a change of its own.
    files.push(
      file("a/x.ts", {
        status: "modified",
        hunks: [hunk(1, 2, ["b/y.ts"]), hunk(40, 3)],
        imports: [{ path: "b/y.ts", line: 1 }],
      }),
      file("b/y.ts", { imports: imp("c/z.ts") }),
      file("c/z.ts", { imports: imp("a/x.ts") }),
    );
    const { groups, warnings } = suggestBoundaries({ files }, { strategy: "dependency", maxFilesPerPr: 12 });
    expect(warnings).toEqual([]);
    expect(Math.max(...groups.map((g) => g.files.length))).toBeLessThanOrEqual(12);
    const where = (p: string) => groups.findIndex((g) => paths(g).includes(p));
    expect(where("a/x.ts#1")).toBeLessThan(where("c/z.ts"));
    expect(where("c/z.ts")).toBeLessThan(where("b/y.ts"));
    expect(where("a/x.ts#0")).toBe(where("b/y.ts"));
    expect(
      checkGroups({ files }, groups, { maxFilesPerPr: 12, maxLinesPerPr: 10_000, testsWithCode: true }),
    ).toEqual([]);
  });

  it("keeps a real cycle whole, and says so", () => {
    const files = [
      file("a/p.ts", { imports: imp("b/q.ts") }),
      file("b/q.ts", { imports: imp("a/p.ts") }),
      file("c/r.ts"),
    ];
    const { groups, warnings } = suggestBoundaries({ files }, { strategy: "dependency", maxFilesPerPr: 10 });
    expect(groups.find((g) => paths(g).includes("a/p.ts"))!.files.map((f) => f.path)).toContain("b/q.ts");
    expect(warnings[0]).toMatch(/2 changes import each other in a cycle \(a\/p\.ts, b\/q\.ts\)/);
  });

  it("puts tests with their code and a document with the area it names; cuts at max_files_per_pr", () => {
    const files = [
      file("src/auth/session.ts"),
      file("test/session.test.ts", { imports: imp("src/auth/session.ts") }),
      file("docs/auth.md"),
      file("docs/intro.md"),
      ...Array.from({ length: 7 }, (_, k) => file(`src/api/r${k + 1}.ts`)),
    ];
    const { groups } = suggestBoundaries({ files }, { strategy: "hybrid", maxFilesPerPr: 4 });
    const auth = groups.find((g) => paths(g).includes("src/auth/session.ts"))!;
    expect(paths(auth)).toEqual(expect.arrayContaining(["test/session.test.ts", "docs/auth.md"]));
    expect(groups.at(-1)).toMatchObject({ area: "docs", files: [{ path: "docs/intro.md" }] });
    expect(groups.every((g) => g.files.length <= 4)).toBe(true);
  });
});

describe("titles", () => {
  it("names the directories of a group under api/ and ui/, in natural order, and says add for new files", async () => {
    const files = ["api/c10.ts", "api/c2.ts", "ui/c1.ts", "api/c1.ts"].map((p) => file(p));
    const m = await meta(files);
    expect(m.title).toBe("feat(api,ui): add c1, c2, c10");
    expect(m.title).not.toMatch(/root|update/);
    expect(m.body).toMatch(/^## Why\n\nPart 1 of 3 .*\n\n## What\n\n- `api\/c10\.ts` \(added, \+5 −0\)/s);
    expect(m.labels).toEqual(["enhancement", "size/S", "stacked"]);
  });

  it("is a conventional commit for docs, dependencies and mixed changes", async () => {
    expect((await meta([file("docs/guide.md", { status: "modified" })])).title).toBe("docs: update guide");
    expect(
      (
        await meta([
          file("package-lock.json", { status: "modified" }),
          file("package.json", { status: "modified" }),
        ])
      ).title,
    ).toBe("build(deps): update package.json, package-lock.json");
    const mixed = await meta([
      file("src/auth/a.ts", { status: "deleted", added: 0, deleted: 9 }),
      file("src/auth/b.ts", { status: "modified", added: 1, deleted: 4 }),
    ]);
    expect(mixed.title).toBe("refactor(auth): update b; remove a");
  });
});

describe("checkGroups", () => {
  it("finds what is left out, what is there twice, forward dependencies, sizes and tests apart", () => {
    const files = [
      file("src/a.ts", { imports: imp("src/b.ts") }),
      file("src/b.ts"),
      file("src/c.ts"),
      file("test/a.test.ts"),
    ];
    const v = checkGroups(
      { files },
      [
        { index: 1, files: [{ path: "src/a.ts" }, { path: "src/c.ts" }] },
        { index: 2, files: [{ path: "src/b.ts" }, { path: "src/c.ts" }, { path: "test/a.test.ts" }] },
      ],
      { maxFilesPerPr: 2, maxLinesPerPr: 12, testsWithCode: true },
    );
    expect(v.map((x) => x.rule).sort()).toEqual([
      "forward_dependency",
      "max_files",
      "max_lines",
      "tests_with_code",
      "twice",
    ]);
    expect(v.find((x) => x.rule === "forward_dependency")!.message).toMatch(
      /src\/a\.ts \(group 1\) imports src\/b\.ts, which comes only in group 2/,
    );
    const left = checkGroups({ files }, [{ index: 1, files: [{ path: "src/a.ts" }] }], {
      maxFilesPerPr: 9,
      maxLinesPerPr: 999,
      testsWithCode: false,
    });
    expect(left.filter((x) => x.rule === "left_out")).toHaveLength(3);
  });
});
