/**
 * The resolver's test module: detection on fixture trees written here, parsers on real output (node:test,
 * pytest, cargo and vitest, run on tiny repositories in temp dirs) and on inline samples written from
 * the documented formats (go -json, JUnit XML, jest and mocha JSON), and the comparison the gates use.
 * Every run goes through the sandbox; nothing here uses the network.
 *
 * Tools installed under a home directory (pyenv, rustup) are hidden by bubblewrap, so the pytest and
 * cargo runs use the first level at which the tool answers, and are skipped where none does
 * (REPOWRIGHT_TEST_SKIP_CARGO=1 skips cargo too).
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  compareRuns,
  detectTestPlan,
  parseTestResults,
  REPORT_DIR,
  runTests,
  type TestPlan,
  type TestReport,
} from "../../src/agents/resolver/testing/index.js";
import { plainWords } from "../../src/agents/resolver/testing/shell.js";
import { ToolError } from "../../src/core/errors.js";
import { sandboxLevelFor as levelFor } from "./bed.js";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A repository in a temp dir with these files (removed after the test). */
function repo(files: Record<string, string>): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "rw-testing-")));
  made.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

async function plan(files: Record<string, string>): Promise<TestPlan> {
  const p = await detectTestPlan(repo(files));
  if (!p) throw new Error("no plan detected");
  return p;
}

/** The first sandbox level at which `argv` exits 0, or undefined when none does. */

// Detection -------------------------------------------------------------------------------------------

describe("detectTestPlan", () => {
  it("runs a package.json test script that is exactly a known runner directly, with a JSON report", async () => {
    const p = await plan({
      "package.json": JSON.stringify({ scripts: { test: "jest --coverage" } }),
      "package-lock.json": "{}",
    });
    expect(p).toMatchObject({
      ecosystem: "node",
      runner: "jest",
      command: ["./node_modules/.bin/jest", "--coverage", "--json", `--outputFile=${REPORT_DIR}/jest.json`],
      install: ["npm", "ci", "--no-audit", "--no-fund"],
      source: "package.json scripts.test (jest, run directly)",
      reports: { dir: REPORT_DIR },
    });
    expect(p.select?.(["src/a.test.js > sum > adds"])).toContain("--testNamePattern=^(?:sum adds)$");
  });

  it("runs a package.json script of another ecosystem's runner directly too", async () => {
    const p = await plan({ "package.json": JSON.stringify({ scripts: { test: "pytest -q" } }) });
    expect(p).toMatchObject({ runner: "pytest", command: ["pytest", "-q", "-rA", "-p", "no:cacheprovider"] });
  });

  it("runs any other test script through the package manager its lockfile names, as it is", async () => {
    const p = await plan({
      "package.json": JSON.stringify({ scripts: { test: "tsc -p . && node --test dist/" } }),
      "pnpm-lock.yaml": "lockfileVersion: 9\n",
    });
    expect(p).toMatchObject({
      runner: "node-test",
      command: ["pnpm", "test"],
      install: ["pnpm", "install", "--frozen-lockfile"],
      source: "package.json scripts.test",
    });
    expect(p.select).toBeUndefined();
  });

  it("takes vitest to one run with the JSON reporter, and yarn from its lockfile", async () => {
    const p = await plan({
      "package.json": JSON.stringify({ scripts: { test: "vitest" } }),
      "yarn.lock": "",
    });
    expect(p.command).toEqual([
      "./node_modules/.bin/vitest",
      "run",
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${REPORT_DIR}/vitest.json`,
    ]);
    expect(p.install).toEqual(["yarn", "install", "--frozen-lockfile"]);
  });

  it("skips npm's placeholder script and uses node's runner when there are test files", async () => {
    const p = await plan({
      "package.json": JSON.stringify({
        scripts: { test: 'echo "Error: no test specified" && exit 1' },
        devDependencies: { x: "1" },
      }),
      "test/math.test.mjs": "",
    });
    expect(p).toMatchObject({ runner: "node-test", install: ["npm", "install", "--no-audit", "--no-fund"] });
    expect(p.command[0]).toBe("node");
    expect(p.command.at(-1)).toBe("--test");
    expect(p.command).toContain(`--test-reporter=./${REPORT_DIR}/repowright-reporter.mjs`);
    expect(p.source).toBe("node:test (test/, no test script)");
  });

  it("finds node:test files without any package.json", async () => {
    const p = await plan({ "math.test.js": "" });
    expect(p.runner).toBe("node-test");
    expect(p.install).toBeUndefined();
  });

  it("finds pytest from pyproject.toml [tool.pytest.ini_options], and selects by node id", async () => {
    const p = await plan({
      "pyproject.toml": '[project]\nname = "x"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
    });
    expect(p).toMatchObject({
      ecosystem: "python",
      runner: "pytest",
      command: ["python3", "-m", "pytest", "-rA", "-p", "no:cacheprovider"],
      source: "pyproject.toml [tool.pytest]",
    });
    expect(p.select?.(["tests/test_a.py::test_x"])).toEqual([...p.command, "tests/test_a.py::test_x"]);
    expect(p.testFilePatterns).toContain("**/test_*.py");
  });

  it("finds pytest from a tests/ directory of test_*.py, and tox only without either", async () => {
    expect((await plan({ "tests/unit/test_a.py": "" })).source).toBe("tests/ with test_*.py");
    const tox = await plan({ "tox.ini": "[tox]\nenvlist = py3\n" });
    expect(tox).toMatchObject({ runner: "unknown", command: ["tox"], install: ["tox", "--notest"] });
    expect((await plan({ "tox.ini": "[tox]\n\n[pytest]\naddopts = -q\n" })).runner).toBe("pytest");
  });

  it("finds cargo, go, maven and gradle from their manifests", async () => {
    expect(await plan({ "Cargo.toml": "[package]\nname = 'x'\n" })).toMatchObject({
      ecosystem: "rust",
      runner: "cargo",
      command: ["cargo", "test", "--no-fail-fast", "--offline"],
      install: ["cargo", "fetch"],
    });
    const go = await plan({ "go.mod": "module example.com/calc\n\ngo 1.22\n" });
    expect(go).toMatchObject({ runner: "go", command: ["go", "test", "-json", "./..."], source: "go.mod" });
    expect(go.select?.(["example.com/calc/TestAdd", "example.com/calc/sub/TestDiv/by_zero"])).toEqual([
      "go",
      "test",
      "-json",
      "-run",
      "^(?:TestAdd|TestDiv)$",
      "example.com/calc",
      "example.com/calc/sub",
    ]);
    const mvn = await plan({ "pom.xml": "<project/>" });
    expect(mvn).toMatchObject({
      ecosystem: "java",
      runner: "maven",
      command: ["mvn", "-q", "-B", "test", "-fae"],
      reports: { junitDirs: ["surefire-reports", "failsafe-reports"] },
    });
    expect(
      mvn.select?.(["com.x.CalcTest.adds", "com.x.CalcTest.divides", "com.x.StackTest.pops(int)[1]"]),
    ).toEqual([
      ...mvn.command,
      "-Dtest=com.x.CalcTest#adds+divides,com.x.StackTest#pops",
      "-Dsurefire.failIfNoSpecifiedTests=false",
    ]);
    const gradle = await plan({ gradlew: "#!/bin/sh\n", "build.gradle.kts": "" });
    expect(gradle).toMatchObject({
      runner: "gradle",
      command: ["./gradlew", "test", "--continue", "--no-daemon"],
      source: "gradlew",
    });
    expect(gradle.select?.(["com.x.StackTest.pushes()"])).toEqual([
      ...gradle.command,
      "--tests",
      "com.x.StackTest.pushes",
    ]);
    expect((await plan({ "build.gradle": "" })).command[0]).toBe("gradle");
  });

  it("uses a Makefile test target, not a test variable", async () => {
    expect(await plan({ Makefile: "all:\n\tcc x.c\n\ntest: all\n\t./run-tests\n" })).toMatchObject({
      runner: "make",
      command: ["make", "test"],
      source: "Makefile test target",
    });
    expect(await detectTestPlan(repo({ Makefile: "test := yes\nall:\n\ttrue\n" }))).toBeUndefined();
    expect(await detectTestPlan(repo({ "README.md": "nothing to test" }))).toBeUndefined();
  });

  it("lets .repowright.yml override what the files say", async () => {
    const p = await plan({
      ".repowright.yml":
        "test: pytest tests/unit -x\ninstall: pip install -e .\ntest_file_pattern: 'tests/**/*_spec.py'\n",
      "package.json": JSON.stringify({ scripts: { test: "jest" } }),
      "tests/unit/test_a.py": "",
    });
    expect(p).toMatchObject({
      runner: "pytest",
      command: ["pytest", "tests/unit", "-x", "-rA", "-p", "no:cacheprovider"],
      install: ["pip", "install", "-e", "."],
      source: ".repowright.yml test",
      testFilePatterns: ["tests/**/*_spec.py"],
    });
    // The path the command names is dropped when selecting: with it, pytest would run everything there.
    expect(p.select?.(["tests/unit/test_a.py::test_x"])).toEqual([
      "pytest",
      "-x",
      "-rA",
      "-p",
      "no:cacheprovider",
      "tests/unit/test_a.py::test_x",
    ]);

    const shell = await plan({ ".repowright.yml": "test: ./build.sh && make check\ninstall: [npm, ci]\n" });
    expect(shell).toMatchObject({
      runner: "unknown",
      command: ["sh", "-c", "./build.sh && make check"],
      install: ["npm", "ci"],
    });
    // Only an install or a pattern: detection does the rest.
    const partial = await plan({ ".repowright.yml": "install: make deps\n", "Cargo.toml": "" });
    expect(partial).toMatchObject({ runner: "cargo", install: ["make", "deps"] });
  });

  it("refuses a .repowright.yml it cannot follow", async () => {
    await expect(detectTestPlan(repo({ ".repowright.yml": "test: [1, 2]\n" }))).rejects.toThrow(ToolError);
    await expect(detectTestPlan(repo({ ".repowright.yml": "test: {a: 1}\n" }))).rejects.toThrow(
      /must be a command/,
    );
    await expect(detectTestPlan(repo({ ".repowright.yml": "- a\n- b\n" }))).rejects.toThrow(/mapping/);
    await expect(detectTestPlan(repo({ ".repowright.yml": "test: [unclosed\n" }))).rejects.toThrow(/YAML/);
  });

  it("tells a plain command from one the shell must read", () => {
    expect(plainWords(`jest --runInBand 'a b' "c d"`)).toEqual(["jest", "--runInBand", "a b", "c d"]);
    for (const s of [
      "jest && x",
      "node --test test/*.js",
      "NODE_ENV=test jest",
      "a | b",
      'echo "$HOME"',
      "x > y",
    ])
      expect(plainWords(s)).toBeUndefined();
  });
});

// Parsers on inline samples ---------------------------------------------------------------------------

const out = (stdout: string, exitCode = 1, stderr = "") => ({ stdout, stderr, exitCode, root: "/repo" });

describe("parseTestResults", () => {
  it("reads go test -json: tests, subtests, skips, and packages that did not build", () => {
    const events = [
      { Action: "start", Package: "example.com/calc" },
      { Action: "run", Package: "example.com/calc", Test: "TestAdd" },
      {
        Action: "output",
        Package: "example.com/calc",
        Test: "TestAdd",
        Output: "--- PASS: TestAdd (0.00s)\n",
      },
      { Action: "pass", Package: "example.com/calc", Test: "TestAdd", Elapsed: 0 },
      { Action: "run", Package: "example.com/calc", Test: "TestDiv" },
      { Action: "run", Package: "example.com/calc", Test: "TestDiv/by_zero" },
      { Action: "fail", Package: "example.com/calc", Test: "TestDiv/by_zero", Elapsed: 0 },
      { Action: "fail", Package: "example.com/calc", Test: "TestDiv", Elapsed: 0 },
      { Action: "skip", Package: "example.com/calc", Test: "TestSlow", Elapsed: 0 },
      { Action: "output", Package: "example.com/calc", Output: "FAIL\n" },
      { Action: "fail", Package: "example.com/calc", Elapsed: 0.01 },
      {
        ImportPath: "example.com/calc/broken [example.com/calc/broken.test]",
        Action: "build-output",
        Output: "x_test.go:3:1: syntax error\n",
      },
      { ImportPath: "example.com/calc/broken [example.com/calc/broken.test]", Action: "build-fail" },
      {
        Action: "output",
        Package: "example.com/calc/broken",
        Output: "FAIL\texample.com/calc/broken [build failed]\n",
      },
      { Action: "fail", Package: "example.com/calc/broken", Elapsed: 0 },
      { Action: "skip", Package: "example.com/calc/util", Elapsed: 0 },
    ];
    const stdout = `${events.map((e) => JSON.stringify(e)).join("\n")}\nFAIL\n`;
    const r = parseTestResults({ runner: "go" }, out(stdout));
    expect(r).toMatchObject({
      parsed: true,
      passed: ["example.com/calc/TestAdd"],
      failed: ["example.com/calc/TestDiv", "example.com/calc/TestDiv/by_zero"],
      skipped: ["example.com/calc/TestSlow"],
      errors: ["example.com/calc/broken"],
      summary: "1 passed, 2 failed, 1 skipped, 1 error",
    });
  });

  it("reads go test -v text when a wrapper runs it", () => {
    const text = [
      "=== RUN   TestAdd",
      "--- PASS: TestAdd (0.00s)",
      "=== RUN   TestDiv",
      "    --- FAIL: TestDiv/by_zero (0.00s)",
      "--- FAIL: TestDiv (0.00s)",
      "FAIL",
      "FAIL\texample.com/calc\t0.004s",
      "ok  \texample.com/calc/util\t0.002s",
    ].join("\n");
    const r = parseTestResults({ runner: "make" }, out(text));
    expect(r.passed).toEqual(["example.com/calc/TestAdd"]);
    expect(r.failed).toEqual(["example.com/calc/TestDiv", "example.com/calc/TestDiv/by_zero"]);
  });

  it("reads JUnit XML from Maven Surefire and Gradle", () => {
    const surefire = `<?xml version="1.0" encoding="UTF-8"?>
<testsuite xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" name="com.example.CalcTest" time="0.05" tests="4" errors="1" skipped="1" failures="1">
  <properties><property name="java.version" value="17"/></properties>
  <testcase name="adds" classname="com.example.CalcTest" time="0.001"/>
  <testcase name="divides" classname="com.example.CalcTest" time="0.002">
    <failure message="expected: &lt;2&gt; but was: &lt;3&gt;" type="org.opentest4j.AssertionFailedError"><![CDATA[expected: <2> but was: <3>
	at com.example.CalcTest.divides(CalcTest.java:14)]]></failure>
  </testcase>
  <testcase name="overflows" classname="com.example.CalcTest" time="0">
    <error message="boom" type="java.lang.IllegalStateException">java.lang.IllegalStateException: boom</error>
    <system-out><![CDATA[<testcase name="printed" classname="not.a.Test"/>]]></system-out>
  </testcase>
  <!-- <testcase name="commented" classname="com.example.CalcTest"/> -->
  <testcase name="later" classname="com.example.CalcTest" time="0"><skipped message="not yet"/></testcase>
</testsuite>`;
    const gradle = `<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="com.example.StackTest" tests="2" skipped="0" failures="1" errors="0" timestamp="2024-05-01T10:00:00" hostname="ci" time="0.012">
  <properties/>
  <testcase name="pushes()" classname="com.example.StackTest" time="0.001"/>
  <testcase name="pops(int)[1]" classname="com.example.StackTest" time="0.002">
    <failure message="org.opentest4j.AssertionFailedError: expected: &lt;1&gt;" type="org.opentest4j.AssertionFailedError">org.opentest4j.AssertionFailedError: expected: &lt;1&gt;</failure>
  </testcase>
  <system-out><![CDATA[]]></system-out>
  <system-err><![CDATA[]]></system-err>
</testsuite>`;
    const maven = parseTestResults({ runner: "maven" }, out("", 1), [
      { path: "target/surefire-reports/TEST-com.example.CalcTest.xml", content: surefire },
    ]);
    expect(maven).toMatchObject({
      passed: ["com.example.CalcTest.adds"],
      failed: ["com.example.CalcTest.divides", "com.example.CalcTest.overflows"],
      skipped: ["com.example.CalcTest.later"],
    });
    const g = parseTestResults({ runner: "gradle" }, out("", 1), [
      { path: "build/test-results/test/TEST-com.example.StackTest.xml", content: gradle },
    ]);
    expect(g).toMatchObject({
      passed: ["com.example.StackTest.pushes()"],
      failed: ["com.example.StackTest.pops(int)[1]"],
    });
  });

  it("reads jest's JSON report, with a file that did not load as an error", () => {
    const report = {
      numFailedTests: 1,
      success: false,
      testResults: [
        {
          name: "/repo/src/sum.test.js",
          status: "failed",
          message: "",
          assertionResults: [
            { ancestorTitles: ["sum"], title: "adds", fullName: "sum adds", status: "passed" },
            {
              ancestorTitles: ["sum", "edge"],
              title: "overflows",
              fullName: "sum edge overflows",
              status: "failed",
            },
            { ancestorTitles: [], title: "later", fullName: "later", status: "todo" },
          ],
        },
        {
          name: "/repo/src/broken.test.js",
          status: "failed",
          message: "Cannot find module './nope'",
          assertionResults: [],
        },
      ],
    };
    const r = parseTestResults({ runner: "jest" }, out(""), [
      { path: `${REPORT_DIR}/jest.json`, content: JSON.stringify(report) },
    ]);
    expect(r).toMatchObject({
      passed: ["src/sum.test.js > sum > adds"],
      failed: ["src/sum.test.js > sum > edge > overflows"],
      skipped: ["src/sum.test.js > later"],
      errors: ["src/broken.test.js"],
    });
    // Without the file (jest --json alone), the report is on stdout.
    expect(parseTestResults({ runner: "jest" }, out(JSON.stringify(report))).passed).toEqual(r.passed);
  });

  it("reads mocha's JSON report", () => {
    const t = (title: string, fullTitle: string) => ({
      title,
      fullTitle,
      file: "/repo/test/array.spec.js",
      err: {},
    });
    const report = {
      stats: { suites: 2, tests: 3, passes: 1, pending: 1, failures: 1 },
      pending: [t("later", "Array later")],
      failures: [{ ...t("pops", "Array #pop pops"), err: { message: "expected 1 to equal 2" } }],
      passes: [t("pushes", "Array #push pushes")],
    };
    const r = parseTestResults({ runner: "mocha" }, out(""), [
      { path: `${REPORT_DIR}/mocha.json`, content: JSON.stringify(report) },
    ]);
    expect(r).toMatchObject({
      passed: ["test/array.spec.js > Array #push pushes"],
      failed: ["test/array.spec.js > Array #pop pops"],
      skipped: ["test/array.spec.js > Array later"],
    });
  });

  it("reads pytest's -rA summary, with collection errors and ids holding ' - '", () => {
    const text = `============================= test session starts ==============================
collected 9 items

tests/test_a.py .F.s..

=========================== short test summary info ============================
PASSED tests/test_a.py::test_ok
PASSED tests/test_a.py::test_p[c - d]
PASSED tests/test_a.py::TestK::test_m
SKIPPED [1] tests/test_a.py:4: nope
XFAIL tests/test_a.py::test_xf
XPASS tests/test_a.py::test_xp
ERROR tests/test_a.py::test_err - RuntimeError: fixture
ERROR tests/test_imp.py
FAILED tests/test_a.py::test_bad - assert 1 == 2
FAILED tests/test_a.py::test_p[3] - assert 3 != 3
==== 2 failed, 3 passed, 1 skipped, 1 xfailed, 1 xpassed, 2 errors in 0.78s =====`;
    expect(parseTestResults({ runner: "pytest" }, out(text))).toMatchObject({
      passed: [
        "tests/test_a.py::TestK::test_m",
        "tests/test_a.py::test_ok",
        "tests/test_a.py::test_p[c - d]",
        "tests/test_a.py::test_xp",
      ],
      failed: ["tests/test_a.py::test_bad", "tests/test_a.py::test_err", "tests/test_a.py::test_p[3]"],
      skipped: ["tests/test_a.py:4", "tests/test_a.py::test_xf"],
      errors: ["tests/test_imp.py"],
    });
  });

  it("reads TAP (node's default reporter when a script is run as it is)", () => {
    const tap = `TAP version 13
# Subtest: adds
ok 1 - adds
  ---
  duration_ms: 1.6
  ...
# Subtest: suite one
    # Subtest: nested \\# hash
    ok 1 - nested \\# hash
      ---
      duration_ms: 0.3
      ...
    # Subtest: nested skip
    ok 2 - nested skip # SKIP
      ---
      duration_ms: 0.1
      ...
    1..2
not ok 2 - suite one
  ---
  duration_ms: 3.3
  type: 'suite'
  ...
# Subtest: /repo/test/broken.test.mjs
not ok 3 - /repo/test/broken.test.mjs
  ---
  location: '/repo/test/broken.test.mjs:1:1'
  ...
1..3`;
    expect(parseTestResults({ runner: "node-test" }, out(tap))).toMatchObject({
      parsed: true,
      passed: ["adds", "suite one > nested # hash"],
      failed: [],
      skipped: ["suite one > nested skip"],
      errors: ["test/broken.test.mjs"],
    });
  });

  it("says when nothing could be read", () => {
    const r = parseTestResults({ runner: "unknown" }, out("Segmentation fault\n", 139));
    expect(r).toMatchObject({ parsed: false, passed: [], failed: [], exitCode: 139 });
    expect(r.summary).toBe("no per-test results could be read (exit code 139)");
  });
});

// Real runs ----------------------------------------------------------------------------------------------

const NODE_TESTS = {
  "test/math.test.mjs": `import { test, describe } from "node:test";
import assert from "node:assert/strict";
test("adds", () => assert.equal(1 + 1, 2));
describe("division", () => {
  test("divides", () => assert.equal(6 / 3, 3));
});
`,
  "test/other.test.mjs": `import { test } from "node:test";
test("adds", () => {});
`,
};

describe("runTests with node:test", () => {
  it("reads per-test ids and the exit code, and leaves the worktree as it was", async () => {
    const dir = repo(NODE_TESTS);
    const p = (await detectTestPlan(dir))!;
    const run = await runTests(p, dir, { timeoutMs: 60_000 });
    expect(run).toMatchObject({
      parsed: true,
      passed: ["test/math.test.mjs > adds", "test/other.test.mjs > adds"],
      failed: ["test/math.test.mjs > division > divides"],
      skipped: [],
      exitCode: 1,
      summary: "2 passed, 1 failed",
      selected: false,
      timedOut: false,
    });
    expect(run.tail).toContain("divides");
    expect(["bubblewrap", "process"]).toContain(run.isolation.level);
    expect(run.isolation.level === "process" || run.isolation.network === false).toBe(true);
    expect(existsSync(join(dir, REPORT_DIR))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(["test"]);
  });

  it("runs only the selected tests", async () => {
    const dir = repo(NODE_TESTS);
    const p = (await detectTestPlan(dir))!;
    const run = await runTests(p, dir, { selection: ["test/math.test.mjs > division > divides"] });
    expect(run).toMatchObject({
      selected: true,
      passed: [],
      failed: ["test/math.test.mjs > division > divides"],
      skipped: [],
    });
    expect(run.command).toContain("--test-name-pattern=^(?:divides)$");
  });

  it("reports a test file that does not load as an error, whose tests count as failing on the base", async () => {
    const dir = repo({
      ...NODE_TESTS,
      "test/new.test.mjs": `import { halve } from "../src/halve.mjs";\nimport { test } from "node:test";\ntest("halves", () => halve(2));\n`,
    });
    const p = (await detectTestPlan(dir))!;
    const base = await runTests(p, dir);
    expect(base.errors).toEqual(["test/new.test.mjs"]);
    writeFileSync(
      join(dir, "test/math.test.mjs"),
      NODE_TESTS["test/math.test.mjs"].replace("6 / 3, 3", "6 / 3, 2"),
    );
    mkdirSync(join(dir, "src"));
    writeFileSync(join(dir, "src/halve.mjs"), "export const halve = (n) => n / 2;\n");
    const change = await runTests(p, dir);
    expect(change).toMatchObject({ failed: [], exitCode: 0 });
    expect(compareRuns(base, change)).toEqual({
      fixed: ["test/math.test.mjs > division > divides", "test/new.test.mjs > halves"],
      broken: [],
      stillFailing: [],
      newTests: [],
      comparable: true,
    });
  });

  it("reads the TAP node prints when the script is run through npm as it is", async () => {
    const dir = repo({
      ...NODE_TESTS,
      "package.json": JSON.stringify({
        name: "t",
        version: "1.0.0",
        scripts: { test: "node --test test/ && true" },
      }),
    });
    const p = (await detectTestPlan(dir))!;
    expect(p.command).toEqual(["npm", "test"]);
    const run = await runTests(p, dir, { timeoutMs: 60_000 });
    expect(run).toMatchObject({ parsed: true, passed: ["adds"], failed: ["division > divides"] });
    expect(run.exitCode).not.toBe(0);
  });

  it("says when the run timed out", async () => {
    const dir = repo({
      "test/hang.test.mjs": `import { test } from "node:test";\ntest("hangs", () => new Promise(() => setInterval(() => {}, 1000)));\n`,
    });
    const p = (await detectTestPlan(dir))!;
    const run = await runTests(p, dir, { timeoutMs: 1500, sandbox: { killGraceMs: 200 } });
    expect(run.timedOut).toBe(true);
    expect(run.summary).toMatch(/timed out after \d+ s/);
    expect(existsSync(join(dir, REPORT_DIR))).toBe(false);
  });

  it("stops at a failed install and says so", async () => {
    const dir = repo({ ...NODE_TESTS, ".repowright.yml": "install: [sh, -c, 'echo fetching; exit 3']\n" });
    const p = (await detectTestPlan(dir))!;
    const run = await runTests(p, dir, { install: true });
    expect(run).toMatchObject({ parsed: false, install: { ok: false, exitCode: 3 } });
    expect(run.summary).toContain("the tests did not run");
    expect(run.tail).toContain("fetching");
  });

  it("says a runner that is not installed could not be run", async () => {
    const dir = repo({ "package.json": JSON.stringify({ scripts: { test: "jest" } }) });
    const run = await runTests((await detectTestPlan(dir))!, dir);
    expect(run.parsed).toBe(false);
    expect(run.summary).toContain("`./node_modules/.bin/jest` could not be run");
    expect(run.summary).toContain("are the dependencies installed?");
  });

  it("does not delete a reports directory the repository has of its own", async () => {
    const dir = repo({ ...NODE_TESTS, [`${REPORT_DIR}/notes.md`]: "mine" });
    const p = (await detectTestPlan(dir))!;
    await expect(runTests(p, dir)).rejects.toThrow(/directory of its own \(notes.md\)/);
    expect(existsSync(join(dir, REPORT_DIR, "notes.md"))).toBe(true);
  });

  it("refuses a cache directory inside the worktree", async () => {
    const dir = repo(NODE_TESTS);
    mkdirSync(join(dir, "cache"));
    const p = (await detectTestPlan(dir))!;
    await expect(runTests(p, dir, { cacheDir: join(dir, "cache") })).rejects.toThrow(/outside the worktree/);
  });
});

describe("runTests with JUnit reports a build tool writes", () => {
  it("reads the reports written during the run, and neither stale ones nor links", async () => {
    const stale = `<testsuite><testcase classname="com.x.OldTest" name="gone"/></testsuite>`;
    const dir = repo({ "mod/target/surefire-reports/TEST-com.x.OldTest.xml": stale, "secret.xml": stale });
    utimesSync(
      join(dir, "mod/target/surefire-reports/TEST-com.x.OldTest.xml"),
      new Date(2020, 0, 1),
      new Date(2020, 0, 1),
    );
    const fresh = `<testsuite><testcase classname="com.x.CalcTest" name="adds"/><testcase classname="com.x.CalcTest" name="divides"><failure/></testcase></testsuite>`;
    // A stand-in for mvn: a real process writing a Surefire report, plus a link to a file outside it.
    const script = `mkdir -p mod/target/surefire-reports && printf '%s' '${fresh}' > mod/target/surefire-reports/TEST-com.x.CalcTest.xml && ln -s ${join(dir, "secret.xml")} mod/target/surefire-reports/TEST-link.xml; exit 1`;
    const p: TestPlan = {
      ecosystem: "java",
      runner: "maven",
      command: ["sh", "-c", script],
      source: "test",
      reports: { junitDirs: ["surefire-reports"] },
      testFilePatterns: [],
    };
    const run = await runTests(p, dir);
    expect(run).toMatchObject({
      parsed: true,
      passed: ["com.x.CalcTest.adds"],
      failed: ["com.x.CalcTest.divides"],
      exitCode: 1,
    });
  });
});

const pytestLevel = await levelFor(["python3", "-m", "pytest", "--version"]);

describe.skipIf(pytestLevel === undefined)("runTests with pytest", () => {
  const files = {
    "pyproject.toml":
      '[project]\nname = "demo"\nversion = "0"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
    "tests/test_calc.py":
      "def test_adds():\n    assert 1 + 1 == 2\n\n\ndef test_divides():\n    assert 6 / 3 == 3\n",
  };

  it("reads node ids and the exit code, and selects by node id", async () => {
    const dir = repo(files);
    const p = (await detectTestPlan(dir))!;
    const sandbox = { level: pytestLevel! };
    const run = await runTests(p, dir, { sandbox, timeoutMs: 120_000 });
    expect(run).toMatchObject({
      parsed: true,
      passed: ["tests/test_calc.py::test_adds"],
      failed: ["tests/test_calc.py::test_divides"],
      exitCode: 1,
    });
    const one = await runTests(p, dir, { sandbox, selection: ["tests/test_calc.py::test_adds"] });
    expect(one).toMatchObject({
      selected: true,
      passed: ["tests/test_calc.py::test_adds"],
      failed: [],
      exitCode: 0,
    });
    // No cache and no bytecode left in the worktree (plugins of this machine may leave their own).
    expect(readdirSync(dir)).not.toContain(".pytest_cache");
    expect(readdirSync(join(dir, "tests"))).toEqual(["test_calc.py"]);
  });
});

const rustupHome = process.env["RUSTUP_HOME"] ?? join(homedir(), ".rustup");
const cargoEnv: Record<string, string> = existsSync(rustupHome) ? { RUSTUP_HOME: rustupHome } : {};
const cargoLevel =
  process.env["REPOWRIGHT_TEST_SKIP_CARGO"] === "1"
    ? undefined
    : await levelFor(["cargo", "--version"], cargoEnv);

describe.skipIf(cargoLevel === undefined)("runTests with cargo", () => {
  it("reads libtest's lines, offline, with the caches in the cache directory", async () => {
    const dir = repo({
      "Cargo.toml": '[package]\nname = "demo"\nversion = "0.1.0"\nedition = "2021"\n',
      "src/lib.rs": `/// \`\`\`
/// assert_eq!(demo::add(1, 1), 2);
/// \`\`\`
pub fn add(a: i32, b: i32) -> i32 { a + b }
#[cfg(test)]
mod tests {
    #[test] fn adds() { assert_eq!(super::add(1, 1), 2); }
    #[test] fn fails() { assert_eq!(super::add(1, 1), 3); }
    #[test] #[ignore] fn later() {}
}
`,
    });
    const cache = realpathSync(mkdtempSync(join(tmpdir(), "rw-testing-cache-")));
    made.push(cache);
    const p = (await detectTestPlan(dir))!;
    const options = { cacheDir: cache, sandbox: { level: cargoLevel!, env: cargoEnv }, timeoutMs: 120_000 };
    const run = await runTests(p, dir, options);
    expect(run).toMatchObject({
      parsed: true,
      passed: ["src/lib.rs - add", "tests::adds"],
      failed: ["tests::fails"],
      skipped: ["tests::later"],
      exitCode: 101,
    });
    const one = await runTests(p, dir, { ...options, selection: ["tests::adds"] });
    expect(one).toMatchObject({ passed: ["tests::adds"], failed: [], exitCode: 0 });
    expect(existsSync(join(cache, "cargo"))).toBe(true);
  }, 120_000);
});

describe("runTests with vitest", () => {
  const nodeModules = realpathSync(join(process.cwd(), "node_modules"));
  it.skipIf(!existsSync(join(nodeModules, ".bin", "vitest")))(
    "runs vitest directly with its JSON reporter and selects by full name",
    async () => {
      const dir = repo({
        "package.json": JSON.stringify({ name: "v", type: "module", scripts: { test: "vitest run" } }),
        "test/a.test.js": `import { describe, expect, it } from "vitest";
it("top", () => expect(1).toBe(1));
describe("suite", () => { it("bad", () => expect(1).toBe(2)); });
`,
      });
      symlinkSync(nodeModules, join(dir, "node_modules"));
      const p = (await detectTestPlan(dir))!;
      // node_modules may live under /tmp (a CI checkout), which the sandbox hides: put it back read-only.
      const sandbox = { readable: [nodeModules] };
      const run = await runTests(p, dir, { timeoutMs: 120_000, sandbox });
      expect(run, run.tail).toMatchObject({
        parsed: true,
        passed: ["test/a.test.js > top"],
        failed: ["test/a.test.js > suite > bad"],
      });
      const one = await runTests(p, dir, {
        selection: ["test/a.test.js > top"],
        timeoutMs: 120_000,
        sandbox,
      });
      expect(one).toMatchObject({ passed: ["test/a.test.js > top"], failed: [] });
    },
    120_000,
  );
});

// The comparison ------------------------------------------------------------------------------------------

function rep(r: Partial<TestReport>): TestReport {
  return { parsed: true, passed: [], failed: [], skipped: [], exitCode: 0, summary: "", ...r };
}

describe("compareRuns", () => {
  it("finds fixed, broken, missing, still failing and new tests", () => {
    const base = rep({ passed: ["a", "b", "c", "d"], failed: ["x", "y"], skipped: ["s"] });
    const change = rep({ passed: ["a", "x", "n1", "s"], failed: ["b", "y", "n2"], skipped: ["d"] });
    expect(compareRuns(base, change)).toEqual({
      fixed: ["x"],
      // b fails, c is missing, d is skipped now: none of them can be shown to still pass.
      broken: ["b", "c", "d"],
      stillFailing: ["y"],
      newTests: ["n1", "n2"],
      comparable: true,
    });
  });

  it("counts a test under a base collection error as failing there", () => {
    const base = rep({ passed: ["t.py::a"], errors: ["tests/test_new.py"] });
    const change = rep({
      passed: ["t.py::a", "tests/test_new.py::test_x"],
      failed: ["tests/test_new.py::test_y"],
    });
    expect(compareRuns(base, change)).toMatchObject({
      fixed: ["tests/test_new.py::test_x"],
      stillFailing: ["tests/test_new.py::test_y"],
      newTests: [],
      broken: [],
    });
  });

  it("proves nothing when a run could not be read", () => {
    const r = compareRuns(rep({ passed: ["a"] }), rep({ parsed: false }));
    expect(r).toMatchObject({ comparable: false, fixed: [], broken: [] });
    expect(r.reason).toContain("the change's run");
  });
});
