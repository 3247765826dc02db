/**
 * Builds the CI-log dev corpus, test/fixtures/ci-logs/<name>.log with <name>.json beside it (category,
 * ecosystem, origin, the decisive lines' 1-based numbers), and the README listing each log's origin.
 *
 * Two origins: `captured` logs are the real output of real tools on small broken projects, made by
 * test/fixtures/ci-logs/capture.sh on this machine, wrapped here in a CI log shape (GitHub's raw job log,
 * `gh run view --log`, Travis, Jenkins) that we write ourselves; `documented` logs are written by hand
 * following the tools' documented output formats (tools not installed here: Maven's goals, Gradle, Go,
 * PHPUnit, ...). Usage: npx tsx scripts/ci-corpus.ts
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Category, Ecosystem } from "../src/ci/diagnose/types.js";

const DIR = join(import.meta.dirname, "../test/fixtures/ci-logs");

type Shape = "github" | "gh-cli" | "travis" | "jenkins" | "plain";
/** A decisive line in a documented log. */
const D = (text: string) => ({ d: text });
type Line = string | { d: string };

interface Fixture {
  name: string;
  category: Category;
  ecosystem: Ecosystem;
  shape: Shape;
  /** The command the failing step runs. */
  command: string;
  exit?: number;
  /** What the failing step printed: a capture's name, or the lines (decisive ones marked with D). */
  output: { captured: string; decisive: RegExp } | { lines: Line[] };
  /** Lines printed by an earlier, passing step (warnings, retries: not the cause). */
  before?: string[];
  note: string;
}

const ts = (i: number) =>
  `2026-11-20T10:${String(Math.floor(i / 60) % 60).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}.${String(1000000 + i).slice(1)}0Z`;

function wrap(f: Fixture, body: { text: string; decisive: boolean }[]): { log: string; decisive: number[] } {
  const out: { text: string; decisive: boolean }[] = [];
  const put = (text: string, decisive = false) => out.push({ text, decisive });
  const exit = f.exit ?? 1;
  const before = f.before ?? ["up to date, audited 212 packages in 2s"];
  if (f.shape === "github" || f.shape === "gh-cli") {
    put("##[group]Run actions/checkout@v4");
    put("with:");
    put("  repository: acme/demo");
    put("##[endgroup]");
    put("Syncing repository: acme/demo");
    put("[command]/usr/bin/git checkout --progress --force -B main refs/remotes/origin/main");
    put("Switched to a new branch 'main'");
    put("##[group]Run ./scripts/setup.sh");
    put("./scripts/setup.sh");
    put("shell: /usr/bin/bash -e {0}");
    put("##[endgroup]");
    for (const b of before) put(b);
    put(`##[group]Run ${f.command}`);
    put(f.command);
    put("shell: /usr/bin/bash -e {0}");
    put("##[endgroup]");
    for (const b of body) out.push(b);
    put(`##[error]Process completed with exit code ${exit}.`);
    put("Post job cleanup.");
    put("[command]/usr/bin/git version");
    put("git version 2.43.0");
    put("Cleaning up orphan processes");
    if (f.shape === "github")
      return { log: out.map((l, i) => `${ts(i)} ${l.text}`).join("\n") + "\n", decisive: nums(out) };
    // gh run view --log: job, step, timestamp, then the line; the group markers of step headers are kept.
    let step = "Set up job";
    const rows = out.map((l, i) => {
      const m = /^##\[group\]Run (.*)$/.exec(l.text);
      if (m) step = m[1]!;
      if (l.text === "Post job cleanup.") step = "Post Run actions/checkout@v4";
      return `build\t${step}\t${ts(i)} ${l.text}`;
    });
    return { log: rows.join("\n") + "\n", decisive: nums(out) };
  }
  if (f.shape === "travis") {
    put(
      "travis_fold:start:git.checkout\r\u001b[0Ktravis_time:start:0a1b2c\r\u001b[0K$ git clone --depth=50 https://github.com/acme/demo.git acme/demo",
    );
    put("Cloning into 'acme/demo'...");
    put(
      "travis_time:end:0a1b2c:start=1700000000,finish=1700000001,duration=1,event=checkout\r\u001b[0Ktravis_fold:end:git.checkout\r\u001b[0K",
    );
    put("travis_fold:start:install\r\u001b[0Ktravis_time:start:1b2c3d\r\u001b[0K$ ./scripts/setup.sh");
    for (const b of before) put(b);
    put(
      "travis_time:end:1b2c3d:start=1700000001,finish=1700000030,duration=29,event=install\r\u001b[0Ktravis_fold:end:install\r\u001b[0K",
    );
    put(`travis_time:start:2c3d4e\r\u001b[0K$ ${f.command}`);
    for (const b of body) out.push(b);
    put("travis_time:end:2c3d4e:start=1700000030,finish=1700000090,duration=60,event=script\r\u001b[0K");
    put(`\u001b[31;1mThe command "${f.command}" exited with ${exit}.\u001b[0m`);
    put("");
    put("Done. Your build exited with 1.");
    return { log: out.map((l) => l.text).join("\n") + "\n", decisive: nums(out) };
  }
  if (f.shape === "jenkins") {
    put("Started by user admin");
    put("[Pipeline] Start of Pipeline");
    put("[Pipeline] node");
    put("Running on agent-1 in /var/lib/jenkins/workspace/demo");
    put("[Pipeline] stage");
    put("[Pipeline] { (Setup)");
    put("[Pipeline] sh");
    put("+ ./scripts/setup.sh");
    for (const b of before) put(b);
    put("[Pipeline] }");
    put("[Pipeline] stage");
    put("[Pipeline] { (Test)");
    put("[Pipeline] sh");
    put(`+ ${f.command}`);
    for (const b of body) out.push(b);
    put("[Pipeline] }");
    put("[Pipeline] // stage");
    put("[Pipeline] End of Pipeline");
    put(`ERROR: script returned exit code ${exit}`);
    put("Finished: FAILURE");
    return {
      log: out.map((l) => `[2026-11-20T10:00:00.000Z] ${l.text}`).join("\n") + "\n",
      decisive: nums(out),
    };
  }
  for (const b of body) out.push(b);
  return { log: out.map((l) => l.text).join("\n") + "\n", decisive: nums(out) };
}

function nums(lines: { decisive: boolean }[]): number[] {
  return lines.flatMap((l, i) => (l.decisive ? [i + 1] : []));
}

function bodyOf(f: Fixture): { text: string; decisive: boolean }[] {
  if ("captured" in f.output) {
    const { captured, decisive } = f.output;
    const raw = readFileSync(join(DIR, "captured", `${captured}.out`), "utf8").replace(/\n$/, "");
    return raw.split("\n").map((text) => ({ text, decisive: decisive.test(text) }));
  }
  return f.output.lines.map((l) =>
    typeof l === "string" ? { text: l, decisive: false } : { text: l.d, decisive: true },
  );
}

const cap = (captured: string, decisive: RegExp) => ({ captured, decisive });
const doc = (...lines: Line[]) => ({ lines });

export const FIXTURES: Fixture[] = [
  // ---- captured: real tools on this machine ----
  {
    name: "tsc",
    category: "typecheck",
    ecosystem: "node",
    shape: "github",
    command: "npx tsc --noEmit",
    exit: 2,
    output: cap("tsc", /error TS/),
    note: "tsc 5 on a file with two type errors",
  },
  {
    name: "node-test",
    category: "test",
    ecosystem: "node",
    shape: "github",
    command: "node --test",
    output: cap("node-test", /^not ok 1 /),
    note: "node:test (TAP reporter) with one failing assertion",
  },
  {
    name: "npm-missing-script",
    category: "configuration",
    ecosystem: "node",
    shape: "gh-cli",
    command: "npm run lint",
    output: cap("npm-missing-script", /Missing script/),
    note: "npm 10 running a script package.json does not have",
  },
  {
    name: "node-oom",
    category: "out_of_memory",
    ecosystem: "node",
    shape: "github",
    command: "npm run build",
    exit: 134,
    output: cap("node-oom", /heap out of memory/),
    note: "node 20 with --max-old-space-size=24 filling an array",
  },
  {
    name: "node-module-missing",
    category: "dependency",
    ecosystem: "node",
    shape: "travis",
    command: "node index.js",
    output: cap("node-module-missing", /^Error: Cannot find module/),
    note: "node requiring a package that is not installed",
  },
  {
    name: "biome-check",
    category: "format",
    ecosystem: "node",
    shape: "github",
    command: "npx biome check .",
    output: cap("biome-check", /assist\/source|^a\.ts format|Formatter would have printed/),
    note: "biome 2 check: two lint warnings, an import-order and a format error",
  },
  {
    name: "pytest-assert",
    category: "test",
    ecosystem: "python",
    shape: "github",
    command: "python -m pytest -q",
    output: cap("pytest-assert", /^FAILED |^E\s+assert/),
    note: "pytest 9, two failing assertions",
  },
  {
    name: "pytest-import",
    category: "dependency",
    ecosystem: "python",
    shape: "gh-cli",
    command: "python -m pytest -q",
    exit: 2,
    output: cap("pytest-import", /ModuleNotFoundError/),
    note: "pytest 9, a test module importing a package that is not installed",
  },
  {
    name: "unittest-errors",
    category: "test",
    ecosystem: "python",
    shape: "github",
    command: "python -m unittest -v",
    output: cap("unittest-errors", /^ERROR: test_/),
    note: "unittest with two erroring tests: FAILED (errors=2)",
  },
  {
    name: "python-syntax",
    category: "compilation",
    ecosystem: "python",
    shape: "plain",
    command: "python app.py",
    output: cap("python-syntax", /^SyntaxError/),
    note: "python 3.11 on a file that does not parse, no CI wrapper",
  },
  {
    name: "cargo-build",
    category: "compilation",
    ecosystem: "rust",
    shape: "github",
    command: "cargo build",
    exit: 101,
    output: cap("cargo-build", /^error\[E/),
    note: "cargo 1.95, mismatched types",
  },
  {
    name: "cargo-test",
    category: "test",
    ecosystem: "rust",
    shape: "github",
    command: "cargo test",
    exit: 101,
    output: cap("cargo-test", /^test tests::adds \.\.\. FAILED|panicked at/),
    note: "cargo test with one failing assert_eq!",
  },
  {
    name: "cargo-panic",
    category: "test",
    ecosystem: "rust",
    shape: "jenkins",
    command: "cargo run",
    exit: 101,
    output: cap("cargo-panic", /panicked at/),
    note: "a binary's thread 'main' panicked (expect on None)",
  },
  {
    name: "cargo-fmt",
    category: "format",
    ecosystem: "rust",
    shape: "github",
    command: "cargo fmt --check",
    output: cap("cargo-fmt", /^Diff in/),
    note: "rustfmt --check with colour codes in the diff",
  },
  {
    name: "cargo-clippy",
    category: "lint",
    ecosystem: "rust",
    shape: "github",
    command: "cargo clippy -- -D warnings",
    exit: 101,
    output: cap("cargo-clippy", /^error: unneeded|-D clippy::/),
    note: "clippy needless_return denied by -D warnings",
  },
  {
    name: "cargo-locked",
    category: "lockfile",
    ecosystem: "rust",
    shape: "github",
    command: "cargo build --locked",
    exit: 101,
    output: cap("cargo-locked", /--locked was passed/),
    note: "cargo --locked after a version bump in Cargo.toml",
  },
  {
    name: "make-cc",
    category: "compilation",
    ecosystem: "make",
    shape: "jenkins",
    command: "make",
    exit: 2,
    output: cap("make-cc", /error: expected/),
    note: "make running gcc 12 on C with a missing semicolon",
  },
  {
    name: "make-no-rule",
    category: "configuration",
    ecosystem: "make",
    shape: "github",
    command: "make tset",
    exit: 2,
    output: cap("make-no-rule", /No rule to make target/),
    note: "make with a mistyped target",
  },
  {
    name: "cmake-missing",
    category: "dependency",
    ecosystem: "make",
    shape: "github",
    command: "cmake -S . -B build",
    output: cap("cmake-missing", /^CMake Error|Could not find a package configuration/),
    note: "cmake 3.25 find_package of a package that is not installed",
  },
  {
    name: "git-clone-missing",
    category: "configuration",
    ecosystem: "git",
    shape: "github",
    command: "git clone $REPO repo",
    exit: 128,
    output: cap("git-clone-missing", /^fatal:/),
    note: "git clone of a repository that does not exist",
  },
  {
    name: "git-pathspec",
    category: "configuration",
    ecosystem: "git",
    shape: "travis",
    command: "git checkout -- src/missing.ts",
    output: cap("git-pathspec", /pathspec/),
    note: "git checkout of a path that is not in the repository",
  },
  {
    name: "erlc-syntax",
    category: "compilation",
    ecosystem: "erlang",
    shape: "github",
    command: "erlc calc.erl",
    output: cap("erlc-syntax", /^calc\.erl:4/),
    note: "erlc on a module with a syntax error",
  },
  {
    name: "terraform-validate",
    category: "configuration",
    ecosystem: "terraform",
    shape: "github",
    command: "terraform validate -no-color",
    output: cap("terraform-validate", /^Error: Unsupported argument/),
    note: "terraform 1.x validate: an unsupported argument (after a CLI-config warning)",
  },
  {
    name: "prove-dubious",
    category: "test",
    ecosystem: "perl",
    shape: "github",
    command: "prove t",
    output: cap("prove-dubious", /Failed test 'adds'|Dubious/),
    note: "prove with a failing Test::More test",
  },
  {
    name: "docker-no-daemon",
    category: "infrastructure",
    ecosystem: "docker",
    shape: "github",
    command: "docker build .",
    output: cap("docker-no-daemon", /Cannot connect to the Docker daemon/),
    note: "docker CLI with no daemon behind its socket",
  },
  {
    name: "maven-plugin-unresolved",
    category: "dependency",
    ecosystem: "jvm",
    shape: "github",
    command: "mvn -B -o compile",
    output: cap("maven-compile", /^\S*\[ERROR\] Failed to execute goal/),
    note: "maven 3.8 offline: a plugin's dependencies were never downloaded; the footer follows",
  },

  // ---- documented: written following the tools' documented output ----
  {
    name: "maven-surefire",
    category: "test",
    ecosystem: "jvm",
    shape: "github",
    command: "mvn -B verify",
    output: doc(
      "[INFO] Running com.acme.CalcTest",
      "[ERROR] Tests run: 2, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: 0.031 s <<< FAILURE! -- in com.acme.CalcTest",
      D("[ERROR] com.acme.CalcTest.adds -- Time elapsed: 0.012 s <<< FAILURE!"),
      "org.opentest4j.AssertionFailedError: expected: <4> but was: <0>",
      "\tat com.acme.CalcTest.adds(CalcTest.java:11)",
      "[INFO] Running org.assertj.core.error.AssertionErrorCreator_multipleAssertionsError_Test",
      "[INFO] Tests run: 4, Failures: 0, Errors: 0, Skipped: 0, in org.assertj.core.error.AssertionErrorCreator_multipleAssertionsError_Test",
      "[INFO] Results:",
      "[ERROR] Failures: ",
      "[ERROR]   CalcTest.adds:11 expected: <4> but was: <0>",
      "[ERROR] Tests run: 6, Failures: 1, Errors: 0, Skipped: 0",
      "[INFO] BUILD FAILURE",
      "[INFO] Total time:  4.210 s",
      D(
        "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-surefire-plugin:3.2.5:test (default-test) on project calc: There are test failures.",
      ),
      "[ERROR] ",
      "[ERROR] Please refer to /home/runner/work/calc/calc/target/surefire-reports for the individual test results.",
      "[ERROR] -> [Help 1]",
      "[ERROR] ",
      "[ERROR] To see the full stack trace of the errors, re-run Maven with the -e switch.",
      "[ERROR] Re-run Maven using the -X switch to enable full debug logging.",
      "[ERROR] [Help 1] http://cwiki.apache.org/confluence/display/MAVEN/MojoFailureException",
      "[ERROR] After correcting the problems, you can resume the build with the command",
      "[ERROR]   mvn <args> -rf :calc",
    ),
    note: "Maven Surefire failure with the generic footer, and a passing test class named AssertionErrorCreator_…Test",
  },
  {
    name: "maven-compile",
    category: "compilation",
    ecosystem: "jvm",
    shape: "gh-cli",
    command: "mvn -B package",
    output: doc(
      "[INFO] --- compiler:3.13.0:compile (default-compile) @ core ---",
      "[INFO] Compiling 12 source files with javac [debug target 17] to target/classes",
      "[INFO] -------------------------------------------------------------",
      "[ERROR] COMPILATION ERROR : ",
      "[INFO] -------------------------------------------------------------",
      D("[ERROR] /home/runner/work/core/core/src/main/java/com/acme/Calc.java:[3,51] cannot find symbol"),
      "  symbol:   variable c",
      "  location: class com.acme.Calc",
      "[INFO] 1 error",
      "[INFO] BUILD FAILURE",
      D(
        "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-compiler-plugin:3.13.0:compile (default-compile) on project core: Compilation failure",
      ),
      "[ERROR] /home/runner/work/core/core/src/main/java/com/acme/Calc.java:[3,51] cannot find symbol",
      "[ERROR] -> [Help 1]",
      "[ERROR]   mvn <args> -rf :core",
    ),
    note: "Maven compiler plugin: Compilation failure",
  },
  {
    name: "maven-checkstyle",
    category: "lint",
    ecosystem: "jvm",
    shape: "github",
    command: "mvn -B checkstyle:check",
    output: doc(
      "[INFO] --- checkstyle:3.3.1:check (validate) @ core ---",
      "[INFO] Starting audit...",
      D(
        "[ERROR] /home/runner/work/core/core/src/main/java/com/acme/Calc.java:7:1: Missing a Javadoc comment. [MissingJavadocType]",
      ),
      D(
        "[ERROR] /home/runner/work/core/core/src/main/java/com/acme/Calc.java:9:5: 'method def' has incorrect indentation level 4, expected level should be 2. [Indentation]",
      ),
      "Audit done.",
      "[INFO] BUILD FAILURE",
      D(
        "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-checkstyle-plugin:3.3.1:check (validate) on project core: You have 2 Checkstyle violations. -> [Help 1]",
      ),
    ),
    note: "Checkstyle violations through Maven",
  },
  {
    name: "maven-license",
    category: "license",
    ecosystem: "jvm",
    shape: "github",
    command: "mvn -B license:check",
    output: doc(
      "[INFO] --- license:4.3:check (default) @ core ---",
      "[INFO] Checking licenses...",
      D("[WARNING] Missing header in: /home/runner/work/core/core/src/main/java/com/acme/Calc.java"),
      "[INFO] BUILD FAILURE",
      D(
        "[ERROR] Failed to execute goal com.mycila:license-maven-plugin:4.3:check (default) on project core: Some files do not have the expected license header. Run license:format to update them.",
      ),
      "[ERROR] -> [Help 1]",
    ),
    note: "license-maven-plugin header check",
  },
  {
    name: "maven-japicmp",
    category: "compatibility",
    ecosystem: "jvm",
    shape: "github",
    command: "mvn -B verify",
    output: doc(
      "[INFO] --- japicmp:0.18.3:cmp (default) @ core ---",
      "[INFO] Written file '/home/runner/work/core/core/target/japicmp/default.diff'.",
      "[INFO] BUILD FAILURE",
      D(
        "[ERROR] Failed to execute goal com.github.siom79.japicmp:japicmp-maven-plugin:0.18.3:cmp (default) on project core: There is at least one incompatibility: com.acme.Calc.add(int,int):METHOD_REMOVED -> [Help 1]",
      ),
    ),
    note: "japicmp API-compatibility check",
  },
  {
    name: "maven-heapdump-flag",
    category: "test",
    ecosystem: "jvm",
    shape: "github",
    command: "mvn -B test",
    output: doc(
      "[INFO] argLine: -Xmx2g -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=target/dumps",
      "[INFO] Running com.acme.ParserTest",
      D("[ERROR] com.acme.ParserTest.parsesEmpty -- Time elapsed: 0.004 s <<< ERROR!"),
      'java.lang.NullPointerException: Cannot invoke "String.length()" because "s" is null',
      "[ERROR] Tests run: 3, Failures: 0, Errors: 1, Skipped: 0",
      D(
        "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-surefire-plugin:3.2.5:test (default-test) on project core: There are test failures.",
      ),
      "[ERROR] -> [Help 1]",
    ),
    note: "-XX:+HeapDumpOnOutOfMemoryError in the JVM flags is not an out-of-memory error",
  },
  {
    name: "gradle-compile",
    category: "compilation",
    ecosystem: "jvm",
    shape: "github",
    command: "./gradlew build",
    output: doc(
      "> Task :app:compileJava FAILED",
      D("/home/runner/work/app/app/src/main/java/com/acme/App.java:12: error: cannot find symbol"),
      "        return greting;",
      "               ^",
      "  symbol:   variable greting",
      "1 error",
      "",
      "FAILURE: Build failed with an exception.",
      "",
      "* What went wrong:",
      D("Execution failed for task ':app:compileJava'."),
      "> Compilation failed; see the compiler error output for details.",
      "",
      "* Try:",
      "> Run with --info option to get more log output.",
      "",
      "BUILD FAILED in 14s",
      "4 actionable tasks: 1 executed, 3 up-to-date",
    ),
    note: "Gradle: the javac error above the BUILD FAILED summary",
  },
  {
    name: "gradle-test",
    category: "test",
    ecosystem: "jvm",
    shape: "travis",
    command: "./gradlew test",
    output: doc(
      "> Task :lib:test FAILED",
      "",
      D("CalcTest > adds() FAILED"),
      "    org.opentest4j.AssertionFailedError at CalcTest.java:11",
      "",
      "2 tests completed, 1 failed",
      "",
      "FAILURE: Build failed with an exception.",
      "* What went wrong:",
      D("Execution failed for task ':lib:test'."),
      D(
        "> There were failing tests. See the report at: file:///home/travis/build/acme/lib/build/reports/tests/test/index.html",
      ),
      "BUILD FAILED in 9s",
    ),
    note: "Gradle test task failure",
  },
  {
    name: "sbt-compile",
    category: "compilation",
    ecosystem: "jvm",
    shape: "github",
    command: "sbt test",
    output: doc(
      "[info] compiling 4 Scala sources to /home/runner/work/app/app/target/scala-3.3.1/classes ...",
      D("[error] /home/runner/work/app/app/src/main/scala/Calc.scala:3:22: type mismatch;"),
      '[error]  found   : String("two")',
      "[error]  required: Int",
      '[error]   def two: Int = "two"',
      "[error]                  ^",
      "[error] one error found",
      "[error] (Compile / compileIncremental) Compilation failed",
      "[error] Total time: 11 s, completed Nov 20, 2026, 10:00:00 AM",
    ),
    note: "sbt: the scalac error above 'Compilation failed'",
  },
  {
    name: "go-test",
    category: "test",
    ecosystem: "go",
    shape: "github",
    command: "go test ./...",
    output: doc(
      "ok  \tgithub.com/acme/api/auth\t0.014s",
      D("--- FAIL: TestParse (0.00s)"),
      D("    parse_test.go:14: got 3, want 4"),
      "FAIL",
      "FAIL\tgithub.com/acme/api/parse\t0.012s",
      "FAIL",
    ),
    note: "go test failure",
  },
  {
    name: "go-build",
    category: "compilation",
    ecosystem: "go",
    shape: "gh-cli",
    command: "go build ./...",
    output: doc(
      "# github.com/acme/api",
      D("./main.go:5:2: undefined: foo"),
      D("./main.go:9:14: cannot use s (variable of type string) as int value in argument to add"),
    ),
    note: "go build errors",
  },
  {
    name: "golangci-lint",
    category: "lint",
    ecosystem: "go",
    shape: "github",
    command: "golangci-lint run",
    output: doc(
      'level=info msg="[runner] linters took 1.2s"',
      D("main.go:12:2: Error return value of `f.Close` is not checked (errcheck)"),
      "\tf.Close()",
      "\t^",
      "1 issues:",
      "* errcheck: 1",
    ),
    note: "golangci-lint errcheck",
  },
  {
    name: "go-mod-tidy",
    category: "lockfile",
    ecosystem: "go",
    shape: "github",
    command: "go build ./...",
    output: doc(
      D(
        "main.go:4:2: missing go.sum entry for module providing package github.com/google/uuid (imported by github.com/acme/api); to add:",
      ),
      "\tgo get github.com/acme/api",
    ),
    note: "go.sum not tidy",
  },
  {
    name: "phpunit",
    category: "test",
    ecosystem: "php",
    shape: "github",
    command: "vendor/bin/phpunit",
    before: [
      "  - Installing symfony/error-handler (v7.1.0): Extracting archive",
      "  - Installing psr/log (3.0.0): Extracting archive",
      "Generating autoload files",
    ],
    output: doc(
      "PHPUnit 11.4.3 by Sebastian Bergmann and contributors.",
      "",
      "..F                                                                 3 / 3 (100%)",
      "",
      "Time: 00:00.012, Memory: 8.00 MB",
      "",
      "There was 1 failure:",
      "",
      D("1) App\\Tests\\CalcTest::testAdds"),
      "Failed asserting that 0 matches expected 4.",
      "",
      "/home/runner/work/app/app/tests/CalcTest.php:12",
      "",
      "FAILURES!",
      "Tests: 3, Assertions: 3, Failures: 1.",
    ),
    note: "PHPUnit failure, after composer installed symfony/error-handler",
  },
  {
    name: "composer-unresolvable",
    category: "dependency",
    ecosystem: "php",
    shape: "github",
    command: "composer install",
    output: doc(
      "Loading composer repositories with package information",
      "Updating dependencies",
      D("Your requirements could not be resolved to an installable set of packages."),
      "",
      "  Problem 1",
      D(
        "    - Root composer.json requires acme/util ^9.0, it could not be found in any version, there may be a typo in the package name.",
      ),
    ),
    note: "composer cannot resolve a requirement",
  },
  {
    name: "rspec",
    category: "test",
    ecosystem: "ruby",
    shape: "github",
    command: "bundle exec rspec",
    output: doc(
      "..F",
      "",
      "Failures:",
      "",
      "  1) Calc adds two numbers",
      "     Failure/Error: expect(Calc.add(2, 2)).to eq(4)",
      "",
      "       expected: 4",
      "            got: 0",
      "     # ./spec/calc_spec.rb:4:in `block (2 levels) in <top (required)>'",
      "",
      "Finished in 0.01 seconds (files took 0.1 seconds to load)",
      "3 examples, 1 failure",
      "",
      "Failed examples:",
      "",
      D("rspec ./spec/calc_spec.rb:4 # Calc adds two numbers"),
    ),
    note: "RSpec failure",
  },
  {
    name: "minitest",
    category: "test",
    ecosystem: "ruby",
    shape: "travis",
    command: "bundle exec rake test",
    output: doc(
      "Run options: --seed 4242",
      "# Running:",
      ".F.",
      "Finished in 0.002s, 1500.0 runs/s, 2000.0 assertions/s.",
      "",
      "  1) Failure:",
      D("CalcTest#test_adds [test/calc_test.rb:6]:"),
      "Expected: 4",
      "  Actual: 0",
      "",
      "3 runs, 4 assertions, 1 failures, 0 errors, 0 skips",
      "rake aborted!",
      "Command failed with status (1)",
    ),
    note: "minitest failure under rake",
  },
  {
    name: "bundler-deployment",
    category: "lockfile",
    ecosystem: "ruby",
    shape: "github",
    command: "bundle install --deployment",
    output: doc(
      D(
        "You are trying to install in deployment mode after changing your Gemfile. Run `bundle install` elsewhere and add the updated Gemfile.lock to version control.",
      ),
      "",
      "The dependencies in your gemfile changed, but the lockfile can't be updated because frozen mode is set",
    ),
    note: "Gemfile.lock out of date in deployment mode",
  },
  {
    name: "rubocop",
    category: "lint",
    ecosystem: "ruby",
    shape: "github",
    command: "bundle exec rubocop",
    output: doc(
      "Inspecting 12 files",
      "..C.........",
      "",
      "Offenses:",
      "",
      D(
        "app/models/user.rb:3:5: C: [Correctable] Style/StringLiterals: Prefer double-quoted strings unless you need single quotes to avoid extra backslashes for escaping.",
      ),
      "",
      "12 files inspected, 1 offense detected, 1 offense autocorrectable",
    ),
    note: "RuboCop offense",
  },
  {
    name: "dotnet-build",
    category: "compilation",
    ecosystem: "dotnet",
    shape: "github",
    command: "dotnet build",
    output: doc(
      "  Determining projects to restore...",
      "  All projects are up-to-date for restore.",
      D(
        "/home/runner/work/app/app/src/App/Program.cs(12,17): error CS0103: The name 'foo' does not exist in the current context [/home/runner/work/app/app/src/App/App.csproj]",
      ),
      "",
      "Build FAILED.",
      "",
      "/home/runner/work/app/app/src/App/Program.cs(12,17): error CS0103: The name 'foo' does not exist in the current context [/home/runner/work/app/app/src/App/App.csproj]",
      "    0 Warning(s)",
      "    1 Error(s)",
    ),
    note: "dotnet build, C# compile error",
  },
  {
    name: "dotnet-test",
    category: "test",
    ecosystem: "dotnet",
    shape: "gh-cli",
    command: "dotnet test",
    output: doc(
      "Starting test execution, please wait...",
      D("  Failed App.Tests.CalcTests.Adds [12 ms]"),
      "  Error Message:",
      "   Assert.Equal() Failure: Values differ",
      "Expected: 4",
      "Actual:   0",
      "",
      "Failed!  - Failed:     1, Passed:    12, Skipped:     0, Total:    13, Duration: 45 ms - App.Tests.dll (net8.0)",
    ),
    note: "dotnet test (xUnit) failure",
  },
  {
    name: "r-install-failed",
    category: "dependency",
    ecosystem: "r",
    shape: "github",
    command: "Rscript -e 'pak::local_install_deps()'",
    output: doc(
      "ℹ Loading metadata database",
      "✖ Loading metadata database ... failed",
      D("Error: ! error in pak subprocess"),
      D("Caused by error: ! Could not solve package dependencies:"),
      "* deps::.: Can't install dependency xml3",
      "* xml3: Can't find package called xml3.",
      D("Installation failed"),
    ),
    note: "pak cannot install a dependency (the 'Installation failed' shape)",
  },
  {
    name: "r-testthat",
    category: "test",
    ecosystem: "r",
    shape: "github",
    command: "R CMD check",
    output: doc(
      "* checking tests ...",
      "  Running ‘testthat.R’",
      " ERROR",
      "Running the tests in ‘tests/testthat.R’ failed.",
      "Last 13 lines of output:",
      D("  ── Failure (test-calc.R:3:3): adds two numbers ──────────────────────────────"),
      "  add(2, 2) (`actual`) not equal to 4 (`expected`).",
      "  [ FAIL 1 | WARN 0 | SKIP 0 | PASS 12 ]",
      "  Error: Test failures",
      "  Execution halted",
      "* DONE",
      "Status: 1 ERROR",
    ),
    note: "R CMD check running testthat",
  },
  {
    name: "rebar3-eunit",
    category: "test",
    ecosystem: "erlang",
    shape: "github",
    command: "rebar3 eunit",
    output: doc(
      "===> Verifying dependencies...",
      "===> Performing EUnit tests...",
      D("calc_tests: add_test...*failed*"),
      "in function calc_tests:'-add_test/0-fun-0-'/0 (test/calc_tests.erl, line 5)",
      "**error:{assertEqual,[{module,calc_tests},{expected,4},{value,0}]}",
      "",
      "=======================================================",
      D("  Failed: 1.  Skipped: 0.  Passed: 3."),
      "===> Error running tests",
    ),
    note: "rebar3 EUnit failure",
  },
  {
    name: "karma-disconnect",
    category: "infrastructure",
    ecosystem: "node",
    shape: "github",
    command: "npx karma start --single-run",
    output: doc(
      "20 11 2026 10:00:01.123:INFO [karma-server]: Karma v6.4.3 server started at http://localhost:9876/",
      "20 11 2026 10:00:01.456:INFO [launcher]: Starting browser ChromeHeadless",
      D(
        "20 11 2026 10:00:32.001:WARN [Chrome Headless 120.0.0 (Linux x86_64)]: Disconnected (0 times) , because no message in 30000 ms.",
      ),
      D("Chrome Headless 120.0.0 (Linux x86_64) ERROR Disconnected, because no message in 30000 ms."),
      "Chrome Headless 120.0.0 (Linux x86_64): Executed 0 of 120 DISCONNECTED (30.001 secs / 0 secs)",
    ),
    note: "Karma: the browser disconnected",
  },
  {
    name: "eslint-warning-then-vitest",
    category: "test",
    ecosystem: "node",
    shape: "github",
    command: "npm run lint && npm test",
    output: doc(
      "> demo@1.0.0 lint",
      "> eslint .",
      "",
      "/home/runner/work/demo/demo/src/time.ts",
      "  3:7  warning  'unused' is assigned a value but never used  no-unused-vars",
      "",
      "✖ 1 problem (0 errors, 1 warning)",
      "",
      "> demo@1.0.0 test",
      "> vitest run",
      "",
      D(" FAIL  test/time.test.ts > formats durations"),
      D("AssertionError: expected '1m 0s' to be '60s' // Object.is equality"),
      " Test Files  1 failed | 12 passed (13)",
      "      Tests  1 failed | 140 passed (141)",
    ),
    note: "ESLint's warning-only summary before the real failure (vitest)",
  },
  {
    name: "eslint-errors",
    category: "lint",
    ecosystem: "node",
    shape: "github",
    command: "npx eslint .",
    output: doc(
      "/home/runner/work/demo/demo/src/index.ts",
      D("  12:7  error  'x' is assigned a value but never used  no-unused-vars"),
      "  14:1  warning  Unexpected console statement  no-console",
      "",
      "✖ 2 problems (1 error, 1 warning)",
    ),
    note: "ESLint errors",
  },
  {
    name: "npm-econnreset-test-names",
    category: "test",
    ecosystem: "node",
    shape: "github",
    command: "busted spec",
    before: ["npm warn deprecated inflight@1.0.6: This module is not supported, and leaks memory."],
    output: doc(
      "ok 1 - spec/http-econnrefused.lua: retries on refused connections",
      "ok 2 - spec/etimedout_handling.lua: gives up after 3 tries",
      D("not ok 3 - spec/parser_spec.lua: parses an empty body"),
      "# spec/parser_spec.lua:12: Expected objects to be the same.",
      "1..3",
    ),
    note: "test files named after network errors are not network failures",
  },
  {
    name: "npm-registry-down",
    category: "infrastructure",
    ecosystem: "node",
    shape: "github",
    command: "npm ci",
    output: doc(
      "npm warn retry will retry, error on last attempt: Error: socket hang up",
      D("npm error code E503"),
      D("npm error 503 Service Unavailable - GET https://registry.npmjs.org/left-pad"),
      "npm error A complete log of this run can be found in: /home/runner/.npm/_logs/debug-0.log",
    ),
    note: "the npm registry answering 503",
  },
  {
    name: "npm-lockfile",
    category: "lockfile",
    ecosystem: "node",
    shape: "github",
    command: "npm ci",
    output: doc(
      "npm error code EUSAGE",
      D(
        "npm error `npm ci` can only install packages when your package.json and package-lock.json or npm-shrinkwrap.json are in sync. Please update your lock file with `npm install` before continuing.",
      ),
      "npm error",
      D("npm error Missing: left-pad@1.3.0 from lock file"),
    ),
    note: "npm ci lockfile out of sync (npm 10's wording)",
  },
  {
    name: "pnpm-frozen",
    category: "lockfile",
    ecosystem: "node",
    shape: "gh-cli",
    command: "pnpm install --frozen-lockfile",
    output: doc(
      "Scope: all 3 workspace projects",
      D(
        ' ERR_PNPM_OUTDATED_LOCKFILE  Cannot install with "frozen-lockfile" because pnpm-lock.yaml is not up to date with <ROOT>/package.json',
      ),
      "",
      "Note that in CI environments this setting is true by default.",
    ),
    note: "pnpm frozen lockfile",
  },
  {
    name: "pip-no-version",
    category: "dependency",
    ecosystem: "python",
    shape: "github",
    command: "pip install -r requirements.txt",
    output: doc(
      "Collecting requests==2.32.3",
      D(
        "ERROR: Could not find a version that satisfies the requirement requestz==2.99 (from versions: none)",
      ),
      D("ERROR: No matching distribution found for requestz==2.99"),
    ),
    note: "pip cannot find a requirement",
  },
  {
    name: "poetry-lock",
    category: "lockfile",
    ecosystem: "python",
    shape: "github",
    command: "poetry install --no-root",
    output: doc(
      "Installing dependencies from lock file",
      D(
        "pyproject.toml changed significantly since poetry.lock was last generated. Run `poetry lock` to fix the lock file.",
      ),
    ),
    note: "poetry.lock stale",
  },
  {
    name: "mypy",
    category: "typecheck",
    ecosystem: "python",
    shape: "github",
    command: "mypy src",
    output: doc(
      D('src/app.py:3: error: Incompatible return value type (got "str", expected "int")  [return-value]'),
      "Found 1 error in 1 file (checked 3 source files)",
    ),
    note: "mypy type error",
  },
  {
    name: "black",
    category: "format",
    ecosystem: "python",
    shape: "travis",
    command: "black --check .",
    output: doc(
      D("would reformat /home/travis/build/acme/api/app/main.py"),
      "",
      "Oh no! 💥 💔 💥",
      "1 file would be reformatted, 14 files would be left unchanged.",
    ),
    note: "black --check",
  },
  {
    name: "ruff",
    category: "lint",
    ecosystem: "python",
    shape: "github",
    command: "ruff check .",
    output: doc(
      D("app/main.py:1:8: F401 [*] `os` imported but unused"),
      "Found 1 error.",
      "[*] 1 fixable with the `--fix` option.",
    ),
    note: "ruff check",
  },
  {
    name: "sphinx-warnings",
    category: "documentation",
    ecosystem: "python",
    shape: "github",
    command: "sphinx-build -W -b html docs docs/_build",
    output: doc(
      "Running Sphinx v8.1.3",
      "building [html]: targets for 12 source files that are out of date",
      "Warning, treated as error:",
      D("/home/runner/work/api/api/docs/index.rst:12:undefined label: 'install'"),
    ),
    note: "Sphinx with -W: a warning treated as an error",
  },
  {
    name: "tox-pytest",
    category: "test",
    ecosystem: "python",
    shape: "github",
    command: "tox -e py312",
    output: doc(
      "py312: commands[0]> pytest",
      D("FAILED tests/test_api.py::test_rate_limit - assert 429 == 200"),
      "=========== 1 failed, 52 passed in 3.21s ===========",
      "  py312: FAIL code 1 (4.21=setup[0.50]+cmd[3.71] seconds)",
      "  evaluation failed :( (4.30 seconds)",
    ),
    note: "pytest under tox",
  },
  {
    name: "github-timeout",
    category: "timeout",
    ecosystem: "github",
    shape: "github",
    command: "npm run e2e",
    output: doc(
      "Running 120 tests using 2 workers",
      "  ✓  1 login.spec.ts:3:1 › logs in (2.1s)",
      D(
        "##[error]The job running on runner GitHub Actions 7 has exceeded the maximum execution time of 30 minutes.",
      ),
      "##[error]The operation was canceled.",
    ),
    note: "the job's time limit",
  },
  {
    name: "github-cancelled",
    category: "cancelled",
    ecosystem: "github",
    shape: "github",
    command: "npm test",
    output: doc("> demo@1.0.0 test", "> vitest run", D("##[error]The operation was canceled.")),
    note: "cancelled by a newer push",
  },
  {
    name: "github-runner-lost",
    category: "infrastructure",
    ecosystem: "github",
    shape: "github",
    command: "cargo build --release",
    output: doc(
      "   Compiling serde v1.0.210",
      D(
        "##[error]The runner has received a shutdown signal. This can happen when the runner service is stopped, or a manually started runner is canceled.",
      ),
    ),
    note: "the runner went away",
  },
  {
    name: "github-deprecated-action",
    category: "configuration",
    ecosystem: "github",
    shape: "github",
    command: "actions/upload-artifact@v3",
    output: doc(
      D(
        "##[error]This request has been automatically failed because it uses a deprecated version of `actions/upload-artifact: v3`. Learn more: https://github.blog/changelog/2024-04-16-deprecation-notice-v3-of-the-artifact-actions/",
      ),
    ),
    note: "a deprecated action version",
  },
  {
    name: "disk-full",
    category: "infrastructure",
    ecosystem: "docker",
    shape: "github",
    command: "docker build -t app .",
    output: doc(
      "#7 [3/5] RUN npm ci",
      D("#7 12.34 npm error nospc ENOSPC: no space left on device, write"),
      '#7 ERROR: process "/bin/sh -c npm ci" did not complete successfully: exit code: 228',
      'ERROR: failed to solve: process "/bin/sh -c npm ci" did not complete successfully: exit code: 228',
    ),
    note: "the runner's disk is full during a docker build",
  },
  {
    name: "prettier",
    category: "format",
    ecosystem: "node",
    shape: "jenkins",
    command: "npx prettier --check .",
    output: doc(
      "Checking formatting...",
      "[warn] src/index.ts",
      "[warn] src/util/time.ts",
      D("[warn] Code style issues found in 2 files. Run Prettier with --write to fix."),
    ),
    note: "prettier --check",
  },
];

const README_HEAD = `# CI-log dev corpus

Each \`<name>.log\` is a failed CI job's log; \`<name>.json\` beside it says its expected \`category\`,
its \`ecosystem\`, its \`origin\`, and \`decisive\`: the 1-based numbers of the lines that decide the
verdict (a diagnosis "cites the decisive line" when its cited lines include one of them).

Origins:
- **captured**: the real output of a real tool run on this machine on a small, deliberately broken
  project (\`capture.sh\` re-creates them into \`captured/\`), wrapped by \`scripts/ci-corpus.ts\` in a
  CI log shape written by us (GitHub's raw job log, \`gh run view --log\`, Travis, Jenkins) or left plain.
- **documented**: written by hand following the tool's documented output format (tools not installed
  here). They are not real logs.

This is a development corpus: the engine was tuned on it. The public corpora (LogChunks, BugSwarm,
CiDiff, LogDx-CI) are kept out of it on purpose, for an independent evaluation.

Rebuild: \`test/fixtures/ci-logs/capture.sh && npx tsx scripts/ci-corpus.ts\`.

| log | category | ecosystem | shape | origin | what |
|---|---|---|---|---|---|
`;

function main(): void {
  const rows: string[] = [];
  for (const f of FIXTURES) {
    const { log, decisive } = wrap(f, bodyOf(f));
    if (decisive.length === 0) throw new Error(`${f.name}: no decisive line`);
    const origin = "captured" in f.output ? "captured" : "documented";
    writeFileSync(join(DIR, `${f.name}.log`), log);
    writeFileSync(
      join(DIR, `${f.name}.json`),
      `${JSON.stringify({ category: f.category, ecosystem: f.ecosystem, origin, shape: f.shape, decisive, note: f.note })}\n`,
    );
    rows.push(`| ${f.name}.log | ${f.category} | ${f.ecosystem} | ${f.shape} | ${origin} | ${f.note} |`);
  }
  writeFileSync(join(DIR, "README.md"), README_HEAD + rows.join("\n") + "\n");
  process.stdout.write(`${FIXTURES.length} logs written to ${DIR}\n`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) main();
