/**
 * node:test, read through a reporter of our own. Node 20's built-in reporters do not say which file a
 * passing test is in (TAP and JUnit give a location for failures only), and ids must tell
 * `a.test.js > adds` from `b.test.js > adds`. A custom reporter sees every event with its file, so the
 * run gets two reporters: `spec` to stdout for people, and this one to a file, one JSON line per finished
 * test with its file (relative to the worktree) and its suites.
 */
import { Tally } from "./tally.js";

/** The name of the reporter module laid into the reports directory, and of the file it writes. */
export const NODE_REPORTER_FILE = "repowright-reporter.mjs";
export const NODE_RESULTS_FILE = "node-test.jsonl";

/**
 * The reporter, as laid into the reports directory. Plain JavaScript for every Node from 20 on: a test's
 * suites are the names of the tests started at lower nesting in the same file (events of one file arrive
 * in order; files are kept apart).
 */
export const NODE_REPORTER_SOURCE = `// Written by repowright for one test run, and removed after it.
import { relative } from "node:path";
export default async function* repowrightReporter(source) {
  const started = new Map();
  for await (const event of source) {
    const data = event.data ?? {};
    const file = typeof data.file === "string" ? relative(process.cwd(), data.file) : "";
    if (event.type === "test:start") {
      const stack = started.get(file) ?? [];
      stack.length = data.nesting ?? 0;
      stack.push(String(data.name));
      started.set(file, stack);
    } else if (event.type === "test:pass" || event.type === "test:fail") {
      const stack = started.get(file) ?? [];
      const details = data.details ?? {};
      yield JSON.stringify({
        file,
        suites: stack.slice(0, data.nesting ?? 0),
        name: String(data.name),
        ok: event.type === "test:pass",
        skip: data.skip ?? false,
        todo: data.todo ?? false,
        suite: details.type === "suite",
        failureType: details.error?.failureType ?? null,
      }) + "\\n";
    }
  }
}
`;

interface NodeEvent {
  file: string;
  suites: string[];
  name: string;
  ok: boolean;
  skip: boolean | string;
  todo: boolean | string;
  suite: boolean;
  failureType: string | null;
}

/** What Node says of a test left out by --test-name-pattern: not a skip the repository asked for. */
const NOT_SELECTED = "test name does not match pattern";

export function parseNodeEvents(jsonl: string, tally = new Tally()): Tally {
  for (const line of jsonl.split("\n")) {
    const event = parseEvent(line);
    if (!event) continue;
    const id = [event.file, ...event.suites, event.name].filter((p) => p !== "").join(" > ");
    const fileItself = event.suites.length === 0 && event.file !== "" && event.name.endsWith(event.file);
    if (fileItself) {
      // The file's own entry: it fails when the file cannot be loaded, or when its process fails.
      if (!event.ok) tally.error(event.file);
    } else if (event.suite) {
      // A suite fails when its tests do (those are counted) or when it could not run them (a hook).
      if (!event.ok && event.failureType !== "subtestsFailed") tally.error(id);
    } else if (event.skip === NOT_SELECTED) {
      // not part of this run
    } else if (event.skip !== false || event.todo !== false) tally.skip(id);
    else if (event.ok) tally.pass(id);
    else tally.fail(id);
  }
  return tally;
}

function parseEvent(line: string): NodeEvent | undefined {
  if (line.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v["name"] !== "string" || typeof v["ok"] !== "boolean") return undefined;
  const flag = (x: unknown): boolean | string => (typeof x === "string" ? x : x === true);
  return {
    file: typeof v["file"] === "string" ? v["file"] : "",
    suites: Array.isArray(v["suites"]) ? v["suites"].map(String) : [],
    name: v["name"],
    ok: v["ok"],
    skip: flag(v["skip"]),
    todo: flag(v["todo"]),
    suite: v["suite"] === true,
    failureType: typeof v["failureType"] === "string" ? v["failureType"] : null,
  };
}
