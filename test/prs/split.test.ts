/**
 * Journey 4: a working tree full of changes becomes a stack of reviewable pull requests. A real clone of
 * an emulator repository, real edits, `plan_pr_split` for the groups and their order, `create_pr_stack`
 * for the branches (checked with git in the emulator's bare repository) and the draft pull requests, and
 * `repowright split` for the person at the terminal.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/program.js";
import { type GithubTestBed, startGithubTestBed } from "../github/helpers.js";

type Obj = Record<string, unknown>;

const BASE_FILES: Record<string, string> = {
  "package.json": '{ "name": "api", "dependencies": {} }\n',
  "package-lock.json": '{ "lockfileVersion": 3 }\n',
  "README.md": "# api\n",
  "src/auth/session.ts": "export function createSession(user: string) {\n  return { user };\n}\n",
  "src/auth/login.ts":
    'import { createSession } from "./session.js";\nexport const login = (u: string) => createSession(u);\n',
  "src/api/routes.ts": "export const routes = [];\n",
  "src/api/legacy.ts": "export const legacy = true;\n",
  ".github/workflows/ci.yml": "on: push\n",
};

describe("splitting a working tree into a stack of pull requests", () => {
  let bed: GithubTestBed;
  let work: string;
  let home: string;
  const write = (path: string, content: string | Buffer) => {
    mkdirSync(dirname(join(work, path)), { recursive: true });
    writeFileSync(join(work, path), content);
  };
  const git = (...args: string[]) => bed.git("acme", "api", ...args);

  beforeAll(async () => {
    bed = await startGithubTestBed(
      { repos: [{ owner: "acme", name: "api", files: BASE_FILES }] },
      { REPOWRIGHT_TOOLSETS: "github,prs" },
    );
    work = mkdtempSync(join(tmpdir(), "rw-split-work-"));
    home = mkdtempSync(join(tmpdir(), "rw-split-home-"));
    execFileSync("git", ["clone", "-q", bed.emu.gitDir("acme", "api"), work]);
    // A week of changes: dependencies, a new util the auth module now uses, auth changes with a test,
    // an API that uses auth, a removed file, docs, CI, an executable script and an image.
    write("package.json", '{ "name": "api", "dependencies": { "jose": "^6.0.0" } }\n');
    write("package-lock.json", '{ "lockfileVersion": 3, "packages": { "node_modules/jose": {} } }\n');
    write("src/util/clock.ts", "export const now = () => Date.now();\n");
    write(
      "src/util/ids.ts",
      'import { now } from "./clock.js";\nexport const newId = () => "id-" + now();\n',
    );
    write("src/util/retry.ts", "export async function retry<T>(f: () => Promise<T>) {\n  return f();\n}\n");
    write(
      "src/auth/session.ts",
      'import { newId } from "../util/ids.js";\nexport function createSession(user: string) {\n  return { id: newId(), user };\n}\n',
    );
    write(
      "src/auth/tokens.ts",
      'import { now } from "../util/clock.js";\nexport const expired = (t: number) => t < now();\n',
    );
    write(
      "test/auth/session.test.ts",
      'import { createSession } from "../../src/auth/session.js";\ncreateSession("a");\n',
    );
    write("src/api/routes.ts", 'import { login } from "../auth/login.js";\nexport const routes = [login];\n');
    write(
      "src/api/handlers.ts",
      'import { expired } from "../auth/tokens.js";\nexport const check = expired;\n',
    );
    write("src/api/limits.ts", "export const LIMIT = 60;\n");
    unlinkSync(join(work, "src/api/legacy.ts"));
    write("docs/auth.md", "# Auth\n\nSessions and tokens.\n");
    write("README.md", "# api\n\nNow with sessions.\n");
    write(".github/workflows/ci.yml", "on: [push, pull_request]\n");
    write("scripts/release.sh", "#!/bin/sh\nnpm publish\n");
    chmodSync(join(work, "scripts/release.sh"), 0o755);
    write("assets/logo.png", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]));
  });
  afterAll(async () => {
    await bed?.close();
    rmSync(work, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  it("plans groups in dependency order, tests with their code, docs last", async () => {
    const r = await bed.app.call("plan_pr_split", { path: join(work, "src"), max_groups: 10 });
    expect(r.isError).toBe(false);
    const plan = r.data as Obj;
    expect(plan["changed_files"]).toBe(17);
    const groups = plan["groups"] as Obj[];
    const files = (i: number) => (groups[i]!["files"] as Obj[]).map((f) => f["path"]);
    const where = (path: string) =>
      groups.findIndex((g) => (g["files"] as Obj[]).some((f) => f["path"] === path));

    expect(groups[0]).toMatchObject({
      title: "build(deps): update package.json, package-lock.json",
      kind: "dependencies",
    });
    expect(files(0)).toEqual(["package-lock.json", "package.json"]);
    // util before auth (auth's new lines import it); the handler that imports the new tokens module comes
    // with or after it; routes imports only unchanged code, so nothing holds it back. The test and the
    // document about auth travel with auth.
    expect(where("src/util/ids.ts")).toBeLessThan(where("src/auth/session.ts"));
    expect(where("src/api/handlers.ts")).toBeGreaterThanOrEqual(where("src/auth/tokens.ts"));
    expect(where("test/auth/session.test.ts")).toBe(where("src/auth/session.ts"));
    expect(where("docs/auth.md")).toBe(where("src/auth/session.ts"));
    const util = groups[where("src/util/ids.ts")]!;
    // Names in natural order; new files are added, not "updated".
    expect(util["title"]).toBe("feat(util): add clock, ids, retry");
    const auth = groups[where("src/auth/session.ts")]!;
    expect(auth["title"]).toMatch(
      /^feat\((api,)?auth\): add (handlers, )?tokens; update session \(with tests\)$/,
    );
    expect(auth["depends_on"]).toContain(where("src/util/ids.ts") + 1);
    const api = groups[where("src/api/routes.ts")]!;
    expect((api["files"] as Obj[]).find((f) => f["path"] === "src/api/legacy.ts")).toMatchObject({
      status: "deleted",
    });
    expect(groups.at(-1)).toMatchObject({ kind: "docs", title: "docs: update README" });
    expect(files(groups.length - 1)).toEqual(["README.md"]);
    expect(String(auth["description"])).toMatch(/^## Why\n\nPart \d of \d+ of a stack of pull requests/);
    expect(String(auth["description"])).toContain(
      "## How tested\n\nTests in this part:\n- `test/auth/session.test.ts` (added)",
    );

    // Fewer pull requests on request: small groups fold into their neighbours, order still holds.
    const few = (await bed.app.call("plan_pr_split", { path: work, max_groups: 4 })).data as Obj;
    const fewGroups = few["groups"] as Obj[];
    expect(fewGroups.length).toBeLessThanOrEqual(4);
    expect(fewGroups.flatMap((g) => (g["files"] as Obj[]).map((f) => f["path"])).sort()).toHaveLength(17);
    expect(fewGroups[0]!["kind"]).toBe("dependencies");
  });

  it("creates a stack: one commit per branch on the previous one, draft PRs based on each other", async () => {
    const r = await bed.app.call("create_pr_stack", {
      path: work,
      owner: "acme",
      repo: "api",
      base: "main",
      max_groups: 6,
    });
    expect(r.isError, JSON.stringify(r.data)).toBe(false);
    const prs = (r.data as Obj)["pull_requests"] as Obj[];
    expect(prs.length).toBeGreaterThan(2);
    expect(prs.length).toBeLessThanOrEqual(6);
    let parent = "main";
    for (const pr of prs) {
      expect(pr["base"]).toBe(parent);
      expect(String(pr["branch"])).toMatch(/^split\/\d-/);
      // Exactly one commit on top of the previous branch.
      expect(git("rev-list", "--count", `refs/heads/${parent}..refs/heads/${pr["branch"]}`)).toBe("1");
      expect(git("rev-parse", `refs/heads/${pr["branch"]}^`)).toBe(git("rev-parse", `refs/heads/${parent}`));
      parent = String(pr["branch"]);
    }
    // The top of the stack is the working tree: every change there, the deleted file gone, modes kept.
    const top = `refs/heads/${parent}`;
    expect(git("show", `${top}:src/auth/session.ts`)).toBe(
      readFileSync(join(work, "src/auth/session.ts"), "utf8").trim(),
    );
    expect(() => git("cat-file", "-e", `${top}:src/api/legacy.ts`)).toThrow();
    expect(git("ls-tree", top, "scripts/release.sh")).toMatch(/^100755 /);
    const logo = execFileSync("git", [
      `--git-dir=${bed.emu.gitDir("acme", "api")}`,
      "cat-file",
      "-p",
      `${top}:assets/logo.png`,
    ]);
    expect(logo).toEqual(readFileSync(join(work, "assets/logo.png")));

    const first = (
      await bed.app.call("get_pull_request", { owner: "acme", repo: "api", pull_number: prs[0]!["number"] })
    ).data as Obj;
    expect(first).toMatchObject({ draft: true, base: "main", head: prs[0]!["branch"] });
    expect(String(first["body"])).toContain(`→ #${prs[0]!["number"]} ${prs[0]!["title"]} (this one)`);
    expect(String(first["body"])).toContain(`#${prs.at(-1)!["number"]} ${prs.at(-1)!["title"]}`);
  });

  it("refuses when the base moved past the working tree's HEAD, creating nothing", async () => {
    const before = git("for-each-ref", "--format=%(refname)", "refs/heads/");
    await bed.app.call("create_or_update_file", {
      owner: "acme",
      repo: "api",
      path: "NOTES.md",
      content: "someone else's commit\n",
      message: "notes",
      branch: "main",
    });
    const r = await bed.app.call("create_pr_stack", {
      path: work,
      owner: "acme",
      repo: "api",
      base: "main",
      prefix: "again",
    });
    expect(r).toMatchObject({ isError: true, data: { type: "conflict" } });
    expect(String((r.data as Obj)["error"])).toMatch(/push your commits or rebase on main first/);
    expect(git("for-each-ref", "--format=%(refname)", "refs/heads/")).toBe(before);
  });

  it("`repowright split` prints the plan for a person, offline", async () => {
    const stdout = new PassThrough();
    let printed = "";
    stdout.on("data", (d) => {
      printed += d;
    });
    const code = await runCli(["node", "repowright", "split", work], {
      stdout,
      stderr: new PassThrough(),
      env: { REPOWRIGHT_HOME: home, REPOWRIGHT_LOG_LEVEL: "silent" },
    });
    expect(code).toBe(0);
    expect(printed).toMatch(/^17 changed files in .* -> \d pull requests, in merge order:/);
    expect(printed).toMatch(/\n1\. build\(deps\): update package\.json, package-lock\.json {2}\+\d+ -\d+/);
    expect(printed).toContain("deleted  src/api/legacy.ts");
  });
});
