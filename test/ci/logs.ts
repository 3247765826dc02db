/** Job logs as GitHub Actions prints them (timestamps, group markers, colour codes), one per cause. */
const ts = (lines: string[]) =>
  lines.map((l, i) => `2026-11-20T10:00:${String(i).padStart(2, "0")}.1234567Z ${l}`).join("\n");

export const LOGS = {
  prettier: ts([
    "##[group]Run npx prettier --check .",
    "Checking formatting...",
    "[warn] src/index.ts",
    "[warn] src/util/time.ts",
    "[warn] Code style issues found in 2 files. Run Prettier with --write to fix.",
    "##[error]Process completed with exit code 1.",
  ]),
  vitest: ts([
    "##[group]Run npm test",
    " \u001b[31m×\u001b[39m test/time.test.ts > formats durations 4ms",
    "AssertionError: expected '1m 0s' to be '60s' // Object.is equality",
    " Test Files  1 failed | 12 passed (13)",
    "      Tests  1 failed | 140 passed (141)",
    "##[error]Process completed with exit code 1.",
  ]),
  network: ts([
    "##[group]Run npm ci",
    "npm error code ECONNRESET",
    "npm error network aborted",
    "npm error network This is a problem related to network connectivity.",
    "##[error]Process completed with exit code 1.",
  ]),
  lockfile: ts([
    "##[group]Run npm ci",
    "npm error code EUSAGE",
    "npm error `npm ci` can only install packages when your package.json and package-lock.json or npm-shrinkwrap.json are in sync. Please update your lock file with `npm install` before continuing.",
    "npm error Missing: left-pad@1.3.0 from lock file",
    "##[error]Process completed with exit code 1.",
  ]),
  yanked: ts([
    "##[group]Run npm ci",
    "npm error code ETARGET",
    "npm error notarget No matching version found for leftish@2.4.1.",
    "npm error notarget In most cases you or one of your dependencies are requesting",
    "##[error]Process completed with exit code 1.",
  ]),
  tsc: ts([
    "##[group]Run npx tsc --noEmit",
    "src/index.ts(12,7): error TS2322: Type 'string' is not assignable to type 'number'.",
    "##[error]Process completed with exit code 2.",
  ]),
  black: ts([
    "##[group]Run black --check .",
    "would reformat /home/runner/work/api/api/app/main.py",
    "Oh no! 💥 💔 💥",
    "1 file would be reformatted, 14 files would be left unchanged.",
    "##[error]Process completed with exit code 1.",
  ]),
  pytest: ts([
    "##[group]Run pytest",
    "FAILED tests/test_api.py::test_rate_limit - assert 429 == 200",
    "=========== 1 failed, 52 passed in 3.21s ===========",
    "##[error]Process completed with exit code 1.",
  ]),
  oom: ts([
    "##[group]Run npm run build",
    "<--- Last few GCs --->",
    "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
    "##[error]Process completed with exit code 134.",
  ]),
  mystery: ts([
    "##[group]Run ./scripts/check.sh",
    "checking things",
    "##[error]Process completed with exit code 3.",
  ]),
  // A network failure while installing, then the test step fails too: the network is the cause.
  networkThenTests: ts([
    "npm warn fetch ETIMEDOUT https://registry.npmjs.org/vitest",
    "npm error code ETIMEDOUT",
    "FAIL test/time.test.ts > formats durations",
    "##[error]Process completed with exit code 1.",
  ]),
} as const;
