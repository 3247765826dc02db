/**
 * How a repository runs its tests, read from its files and nothing else (no command runs here). The
 * repository's own word comes first (`.repowright.yml`), then the ecosystems' usual places, most
 * specific first: package.json `scripts.test`, go.mod, Cargo.toml, pytest's configuration, Maven, Gradle,
 * tox/nox, node:test files without a script, a Makefile `test:` target.
 */
import { existsSync } from "node:fs";
import { lstat, readdir, readFile, realpath } from "node:fs/promises";
import { isAbsolute, join, normalize } from "node:path";
import { parse as parseYaml } from "yaml";
import { validationError } from "../../../core/errors.js";
import { mentionedRunner, type PackageManager, type RecognizeContext, recognize } from "./runners.js";
import { plainWords } from "./shell.js";
import type { Ecosystem, TestPlan, TestRunner } from "./types.js";

/** Files of this size and more are not read: none of the files detection reads is ever this large. */
const MAX_FILE_BYTES = 1024 * 1024;

const TEST_FILES: Readonly<Record<Ecosystem, string[]>> = {
  node: ["**/*.{test,spec}.{js,mjs,cjs,ts,mts,cts,jsx,tsx}", "**/__tests__/**", "test/**", "tests/**"],
  python: ["**/test_*.py", "**/*_test.py", "**/conftest.py", "tests/**", "test/**"],
  go: ["**/*_test.go", "**/testdata/**"],
  rust: ["tests/**", "benches/**"],
  java: ["**/src/test/**"],
  other: ["test/**", "tests/**"],
};

export async function detectTestPlan(worktree: string): Promise<TestPlan | undefined> {
  let root: string;
  try {
    root = await realpath(worktree);
  } catch {
    throw validationError(`worktree ${worktree} does not exist`);
  }
  const repo = new Repo(root);
  const config = await readConfig(repo);
  const plan = config?.test !== undefined ? await fromConfig(config.test, repo) : await fromFiles(repo);
  if (!plan) return undefined;
  if (config?.install) plan.install = config.install;
  if (config?.testFilePatterns) plan.testFilePatterns = config.testFilePatterns;
  return plan;
}

// .repowright.yml --------------------------------------------------------------------------------------

interface RepoConfig {
  test?: string | string[];
  install?: string[];
  testFilePatterns?: string[];
}

/**
 * `.repowright.yml` (or `.yaml`): `test:` a command (a string, run by `sh` unless it is plain words, or a
 * list of words), `install:` the same, `test_file_pattern:` a glob or a list of globs. A file that says
 * something else is an error: running some other command than the one the repository asked for would
 * be worse.
 */
async function readConfig(repo: Repo): Promise<RepoConfig | undefined> {
  const name = (await repo.isFile(".repowright.yml"))
    ? ".repowright.yml"
    : (await repo.isFile(".repowright.yaml"))
      ? ".repowright.yaml"
      : undefined;
  if (name === undefined) return undefined;
  const text = (await repo.read(name)) ?? "";
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 10 });
  } catch (err) {
    throw validationError(`${name} is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  if (doc === null || doc === undefined) return undefined;
  if (typeof doc !== "object" || Array.isArray(doc)) throw validationError(`${name} must be a mapping`);
  const d = doc as Record<string, unknown>;
  const config: RepoConfig = {};
  if (d["test"] !== undefined) config.test = commandValue(d["test"], `${name} test`);
  if (d["install"] !== undefined) {
    const install = commandValue(d["install"], `${name} install`);
    config.install = typeof install === "string" ? shellArgv(install) : install;
  }
  const pattern = d["test_file_pattern"];
  if (pattern !== undefined) {
    const list = typeof pattern === "string" ? [pattern] : pattern;
    if (!Array.isArray(list) || list.length === 0 || !list.every((p) => typeof p === "string" && p !== ""))
      throw validationError(`${name} test_file_pattern must be a glob or a list of globs`);
    config.testFilePatterns = list as string[];
  }
  return config;
}

function commandValue(value: unknown, what: string): string | string[] {
  if (typeof value === "string" && value.trim() !== "") return value.trim();
  if (Array.isArray(value) && value.length > 0 && value.every((w) => typeof w === "string" && w !== ""))
    return value as string[];
  throw validationError(`${what} must be a command: a non-empty string or a list of words`);
}

/** A plain command as its words; anything the shell must read, through `sh -c`. */
function shellArgv(script: string): string[] {
  return plainWords(script) ?? ["sh", "-c", script];
}

async function fromConfig(test: string | string[], repo: Repo): Promise<TestPlan> {
  const words = typeof test === "string" ? plainWords(test) : test;
  const ctx = await nodeContext(repo);
  const known = words ? recognize(words, ctx) : undefined;
  const source = ".repowright.yml test";
  if (known) return { ...known, source, testFilePatterns: TEST_FILES[known.ecosystem] };
  const runner: TestRunner =
    typeof test === "string" ? mentionedRunner(test) : mentionedRunner(test.join(" "));
  const ecosystem = ecosystemOf(runner);
  return {
    ecosystem,
    runner,
    command: words ?? ["sh", "-c", test as string],
    source,
    testFilePatterns: TEST_FILES[ecosystem],
  };
}

function ecosystemOf(runner: TestRunner): Ecosystem {
  if (runner === "pytest") return "python";
  if (runner === "go") return "go";
  if (runner === "cargo") return "rust";
  if (runner === "maven" || runner === "gradle") return "java";
  if (runner === "node-test" || runner === "jest" || runner === "vitest" || runner === "mocha") return "node";
  return "other";
}

// The ecosystems ---------------------------------------------------------------------------------------

type Detector = (repo: Repo) => Promise<TestPlan | undefined>;

const DETECTORS: readonly Detector[] = [
  npmScript,
  goModule,
  cargoCrate,
  pytestProject,
  mavenProject,
  gradleProject,
  toxOrNox,
  nodeTestFiles,
  makeTarget,
];

async function fromFiles(repo: Repo): Promise<TestPlan | undefined> {
  for (const detect of DETECTORS) {
    const plan = await detect(repo);
    if (plan) return plan;
  }
  return undefined;
}

interface PackageJson {
  scripts?: Record<string, unknown>;
  packageManager?: unknown;
  dependencies?: unknown;
  devDependencies?: unknown;
}

async function packageJson(repo: Repo): Promise<PackageJson | undefined> {
  const text = await repo.read("package.json");
  if (text === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as PackageJson) : undefined;
  } catch {
    return undefined;
  }
}

/** The lockfile says which package manager the project uses; `packageManager` when there is none. */
async function packageManager(repo: Repo, pkg: PackageJson | undefined): Promise<PackageManager> {
  if (await repo.isFile("pnpm-lock.yaml")) return "pnpm";
  if (await repo.isFile("yarn.lock")) return "yarn";
  if ((await repo.isFile("package-lock.json")) || (await repo.isFile("npm-shrinkwrap.json"))) return "npm";
  const declared = typeof pkg?.packageManager === "string" ? pkg.packageManager : "";
  if (declared.startsWith("pnpm@")) return "pnpm";
  if (declared.startsWith("yarn@")) return "yarn";
  return "npm";
}

async function nodeContext(repo: Repo): Promise<RecognizeContext> {
  const pkg = await packageJson(repo);
  return {
    packageManager: await packageManager(repo, pkg),
    pnp: (await repo.isFile(".pnp.cjs")) || (await repo.isFile(".pnp.js")),
    exists: (p) => repo.exists(p),
  };
}

async function nodeInstall(repo: Repo, pm: PackageManager): Promise<string[]> {
  if (pm === "pnpm") return ["pnpm", "install", "--frozen-lockfile"];
  if (pm === "yarn")
    return (await repo.isFile(".yarnrc.yml"))
      ? ["yarn", "install", "--immutable"]
      : ["yarn", "install", "--frozen-lockfile"];
  const locked = (await repo.isFile("package-lock.json")) || (await repo.isFile("npm-shrinkwrap.json"));
  return locked ? ["npm", "ci", "--no-audit", "--no-fund"] : ["npm", "install", "--no-audit", "--no-fund"];
}

/** npm init's placeholder, which fails on purpose: not a test suite. */
const NPM_PLACEHOLDER = /no test specified/;

async function npmScript(repo: Repo): Promise<TestPlan | undefined> {
  const pkg = await packageJson(repo);
  const script = pkg?.scripts?.["test"];
  if (typeof script !== "string" || script.trim() === "" || NPM_PLACEHOLDER.test(script)) return undefined;
  const ctx = await nodeContext(repo);
  const pm = ctx.packageManager ?? "npm";
  const install = await nodeInstall(repo, pm);
  const words = plainWords(script.trim());
  const known = words ? recognize(words, ctx) : undefined;
  if (known) {
    return {
      ...known,
      install,
      source: `package.json scripts.test (${words![0] === "npx" ? words![1] : words![0]}, run directly)`,
      testFilePatterns: TEST_FILES[known.ecosystem === "other" ? "node" : known.ecosystem],
    };
  }
  // Anything else runs as the package manager would run it, and is read from what it prints.
  return {
    ecosystem: "node",
    runner: mentionedRunner(script),
    command: [pm, "test"],
    install,
    source: "package.json scripts.test",
    testFilePatterns: TEST_FILES.node,
  };
}

async function goModule(repo: Repo): Promise<TestPlan | undefined> {
  if (!(await repo.isFile("go.mod"))) return undefined;
  const known = recognize(["go", "test", "./..."])!;
  return {
    ...known,
    install: ["go", "mod", "download"],
    source: "go.mod",
    testFilePatterns: TEST_FILES.go,
  };
}

async function cargoCrate(repo: Repo): Promise<TestPlan | undefined> {
  if (!(await repo.isFile("Cargo.toml"))) return undefined;
  const known = recognize(["cargo", "test"])!;
  return { ...known, install: ["cargo", "fetch"], source: "Cargo.toml", testFilePatterns: TEST_FILES.rust };
}

/** Where pytest's configuration can be, and what marks it there. */
const PYTEST_CONFIG: readonly { file: string; marker?: RegExp; source: string }[] = [
  { file: "pytest.ini", source: "pytest.ini" },
  {
    file: "pyproject.toml",
    marker: /^\[tool\.pytest(?:\.ini_options)?\]/m,
    source: "pyproject.toml [tool.pytest]",
  },
  { file: "setup.cfg", marker: /^\[tool:pytest\]/m, source: "setup.cfg [tool:pytest]" },
  { file: "tox.ini", marker: /^\[pytest\]/m, source: "tox.ini [pytest]" },
  { file: "conftest.py", source: "conftest.py" },
];

async function pytestProject(repo: Repo): Promise<TestPlan | undefined> {
  let source: string | undefined;
  for (const c of PYTEST_CONFIG) {
    const text = await repo.read(c.file);
    if (text !== undefined && (!c.marker || c.marker.test(text))) {
      source = c.source;
      break;
    }
  }
  if (!source) {
    for (const dir of ["tests", "test"]) {
      if (await repo.findFile(dir, (name) => /^test_.*\.py$|_test\.py$/.test(name), 3)) {
        source = `${dir}/ with test_*.py`;
        break;
      }
    }
  }
  if (!source) return undefined;
  const known = recognize(["python3", "-m", "pytest"])!;
  return { ...known, source, testFilePatterns: TEST_FILES.python };
}

async function mavenProject(repo: Repo): Promise<TestPlan | undefined> {
  if (!(await repo.isFile("pom.xml"))) return undefined;
  const mvn = (await repo.isFile("mvnw")) ? "./mvnw" : "mvn";
  const known = recognize([mvn, "-q", "-B", "test"])!;
  return {
    ...known,
    install: [mvn, "-q", "-B", "-DskipTests", "test"],
    source: mvn === "mvn" ? "pom.xml" : "pom.xml (./mvnw)",
    testFilePatterns: TEST_FILES.java,
  };
}

async function gradleProject(repo: Repo): Promise<TestPlan | undefined> {
  const build = ["build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts"];
  const wrapper = await repo.isFile("gradlew");
  let hasBuild = false;
  for (const f of build) hasBuild ||= await repo.isFile(f);
  if (!wrapper && !hasBuild) return undefined;
  const gradle = wrapper ? "./gradlew" : "gradle";
  const known = recognize([gradle, "test"])!;
  return {
    ...known,
    install: [gradle, "--no-daemon", "testClasses"],
    source: wrapper ? "gradlew" : "build.gradle",
    testFilePatterns: TEST_FILES.java,
  };
}

async function toxOrNox(repo: Repo): Promise<TestPlan | undefined> {
  const tox = await repo.isFile("tox.ini");
  const nox = await repo.isFile("noxfile.py");
  if (!tox && !nox) return undefined;
  // Both make their environments (and install into them) on the first run: that is the install.
  const tool = tox ? "tox" : "nox";
  return {
    ecosystem: "python",
    runner: "unknown",
    command: [tool],
    install: tox ? ["tox", "--notest"] : ["nox", "--install-only"],
    source: tox ? "tox.ini" : "noxfile.py",
    env: { PYTHONDONTWRITEBYTECODE: "1" },
    testFilePatterns: TEST_FILES.python,
  };
}

const NODE_TEST_FILE = /\.test\.[cm]?js$|^test\.[cm]?js$/;

async function nodeTestFiles(repo: Repo): Promise<TestPlan | undefined> {
  const top = (await repo.list("")).some((name) => NODE_TEST_FILE.test(name));
  let found = top ? "*.test.js" : undefined;
  if (!found) {
    for (const dir of ["test", "tests"]) {
      if (await repo.findFile(dir, (name) => /\.[cm]?js$/.test(name), 3)) {
        found = `${dir}/`;
        break;
      }
    }
  }
  if (!found) return undefined;
  const pkg = await packageJson(repo);
  const known = recognize(["node", "--test"])!;
  const hasDeps = pkg !== undefined && (pkg.dependencies !== undefined || pkg.devDependencies !== undefined);
  const pm = await packageManager(repo, pkg);
  return {
    ...known,
    ...(hasDeps ? { install: await nodeInstall(repo, pm) } : {}),
    source: `node:test (${found}, no test script)`,
    testFilePatterns: TEST_FILES.node,
  };
}

async function makeTarget(repo: Repo): Promise<TestPlan | undefined> {
  for (const name of ["GNUmakefile", "makefile", "Makefile"]) {
    const text = await repo.read(name);
    // `test:` or `test::` as a rule, not `test := value` (a variable).
    if (text !== undefined && /^test\s*::?(?!=)/m.test(text)) {
      return {
        ecosystem: "other",
        runner: "make",
        command: ["make", "test"],
        source: `${name} test target`,
        testFilePatterns: TEST_FILES.other,
      };
    }
  }
  return undefined;
}

// Reading the repository ------------------------------------------------------------------------------

/**
 * The repository's files, read without following a link out of it: detection reads a tree we did not
 * write, and a `package.json` that links to some file of ours must not be read as the repository's.
 */
class Repo {
  private readonly listed = new Map<string, string[]>();

  constructor(readonly root: string) {}

  private path(relative: string): string {
    const n = normalize(relative);
    if (isAbsolute(n) || n.split("/").includes(".."))
      throw validationError(`not inside the worktree: ${relative}`);
    return join(this.root, n);
  }

  async isFile(relative: string): Promise<boolean> {
    try {
      const s = await lstat(this.path(relative));
      return s.isFile();
    } catch {
      return false;
    }
  }

  async read(relative: string): Promise<string | undefined> {
    try {
      const path = this.path(relative);
      const s = await lstat(path);
      if (!s.isFile() || s.size >= MAX_FILE_BYTES) return undefined;
      return await readFile(path, "utf8");
    } catch {
      return undefined;
    }
  }

  async list(relative: string): Promise<string[]> {
    const cached = this.listed.get(relative);
    if (cached) return cached;
    let names: string[] = [];
    try {
      const s = await lstat(this.path(relative || "."));
      if (s.isDirectory()) names = await readdir(this.path(relative || "."));
    } catch {
      names = [];
    }
    this.listed.set(relative, names);
    return names;
  }

  /** Whether a file whose name passes `match` is under `dir`, at most `depth` levels down. */
  async findFile(dir: string, match: (name: string) => boolean, depth: number): Promise<boolean> {
    if (depth < 0) return false;
    for (const name of await this.list(dir)) {
      if (name === "node_modules" || name.startsWith(".")) continue;
      const rel = `${dir}/${name}`;
      let s: Awaited<ReturnType<typeof lstat>>;
      try {
        s = await lstat(this.path(rel));
      } catch {
        continue;
      }
      if (s.isFile() && match(name)) return true;
      if (s.isDirectory() && (await this.findFile(rel, match, depth - 1))) return true;
    }
    return false;
  }

  /** Whether a path exists in the repository (a word of a command: is it a path to test?). */
  exists(relative: string): boolean {
    try {
      return existsSync(this.path(relative));
    } catch {
      return false;
    }
  }
}
