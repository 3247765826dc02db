/**
 * One raw log line to what the tool printed: colour codes, timestamps and the CI's own markers removed,
 * the markers kept aside as structure (a step starts, the CI reports an error).
 *
 * Why: rules anchored at the start of a line (`^\[ERROR\] Failed to execute goal`) must see the tool's
 * line, not `build\tRun mvn\t2026-…Z ` in front of it, and a Travis `travis_fold:end:…` glued to a line
 * must never be cited as evidence.
 */

/** What the CI itself said on this line, apart from the tool's output. */
export type Marker =
  | { kind: "step"; name: string }
  | { kind: "end-step" }
  | { kind: "error"; message: string }
  | { kind: "warning"; message: string };

export interface NormalLine {
  text: string;
  marker?: Marker;
  /** The step named by a `job\tstep\ttimestamp` prefix (`gh run view --log`). */
  step?: string;
}

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[()][0-9A-B]/g;
/** `gh run view --log`: job name, step name, ISO timestamp, each separated by a tab. */
const GH_CLI = /^([^\t]{1,200})\t([^\t]{0,200})\t(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) ?/;
/** A leading ISO timestamp (GitHub's raw job log), bracketed or not, and Jenkins' `[10:00:01] `. */
const TIMESTAMP =
  /^\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\]? ?|^\[\d\d:\d\d:\d\d(?:\.\d+)?\] /;
/** Travis folds and timers, GitLab sections: `travis_fold:start:install`, `section_end:1700000000:build`. */
const CI_INLINE =
  /(?:travis_(?:fold|time):(?:start|end):[^\s\r]*|section_(?:start|end):\d+:[\w.-]+(?:\[[^\]]*\])?)\r?/g;
const TRAVIS_FOLD = /travis_fold:start:([^\s\r]+)/;
const GITLAB_SECTION = /section_start:\d+:([\w.-]+)/;
const GH_COMMAND = /^##\[(group|endgroup|error|warning|notice|debug|command|section)\](.*)$/;
const GH_WORKFLOW_COMMAND = /^::(error|warning|notice|debug|group|endgroup)(?: [^:]*)?::(.*)$/;
/** Jenkins pipeline steps: `[Pipeline] { (Build)` opens stage Build; other `[Pipeline]` lines are noise. */
const JENKINS_STAGE = /^\[Pipeline\] \{ \((.+)\)$/;
const JENKINS = /^\[Pipeline\] /;

/** The longest line looked at: a minified bundle on one line says nothing a rule needs past this. */
export const MAX_LINE = 4000;

export function normalizeLine(raw: string): NormalLine {
  let s = raw.length > MAX_LINE ? raw.slice(0, MAX_LINE) : raw;
  let step: string | undefined;
  const gh = GH_CLI.exec(s);
  if (gh) {
    step = gh[2] || undefined;
    s = s.slice(gh[0].length);
  }
  if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
  s = s.replace(TIMESTAMP, "");
  let marker: Marker | undefined;
  if (s.includes("travis_") || s.includes("section_")) {
    const fold = TRAVIS_FOLD.exec(s) ?? GITLAB_SECTION.exec(s);
    if (fold) marker = { kind: "step", name: fold[1]! };
    s = s.replace(CI_INLINE, "");
  }
  if (s.includes("\u001b")) s = s.replace(ANSI, "");
  if (s.includes("\r")) {
    // A progress bar rewrites its line with \r: what is left on screen is the last non-empty part.
    const parts = s.split("\r").filter((p) => p.trim() !== "");
    s = parts.at(-1) ?? "";
  }
  s = s.replace(TIMESTAMP, "").trimEnd();
  const cmd = GH_COMMAND.exec(s) ?? GH_WORKFLOW_COMMAND.exec(s);
  if (cmd) {
    const kind = cmd[1]!;
    const rest = cmd[2]!;
    if (kind === "group" || kind === "section") marker = { kind: "step", name: rest.trim() };
    else if (kind === "endgroup") marker = { kind: "end-step" };
    else if (kind === "error") marker = { kind: "error", message: rest };
    else if (kind === "warning") marker = { kind: "warning", message: rest };
    // The group title (`Run npm test`) is the CI's; an error annotation's message is the tool's words.
    s = kind === "error" || kind === "warning" || kind === "notice" ? rest : "";
  } else if (JENKINS.test(s)) {
    const stage = JENKINS_STAGE.exec(s);
    if (stage) marker = { kind: "step", name: stage[1]! };
    s = "";
  }
  return { text: s, ...(marker ? { marker } : {}), ...(step ? { step } : {}) };
}

/** Every line of a whole log, normalised (for callers that have the log in memory anyway). */
export function normalizeLog(log: string): NormalLine[] {
  return splitLines(log).map(normalizeLine);
}

/** Lines as a file has them: \n or \r\n; a lone \r stays inside its line (progress bars). */
export function splitLines(log: string): string[] {
  const lines = log.split(/\r?\n/);
  if (lines.length > 1 && lines.at(-1) === "") lines.pop();
  return lines;
}
