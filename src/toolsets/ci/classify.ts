/**
 * The ci toolset's view of a failed job's log: a thin adapter over the diagnosis engine
 * (src/ci/diagnose/), adding what the toolset needs on top: the evidence in its tool-output shape, the
 * action named as the tool names it (`investigate` for the engine's `ask`), and a fingerprint to
 * recognise the same failure on a later run.
 */
import { createHash } from "node:crypto";
import {
  CATEGORIES,
  type Category,
  diagnoseLog,
  type Diagnosis as EngineDiagnosis,
  type Facts,
  normalizeLog,
} from "../../ci/diagnose/index.js";

export { CATEGORIES, type Category };

/** What to do: re-run (transient), fix (a change in the repository), investigate (no safe automatic step). */
export type Action = "rerun" | "fix" | "investigate";

export interface Evidence {
  /** 1-based line number in the job log. */
  line: number;
  text: string;
}

export interface Diagnosis {
  category: Category;
  cause: string;
  action: Action;
  /** For fixable categories: the command that repairs it in a checkout. */
  fix?: string;
  /** True when the code is not at fault. */
  infrastructure: boolean;
  facts: Facts;
  evidence: Evidence[];
  /** Stable across re-runs of the same failure: to recognise a fix that was already tried. */
  fingerprint: string;
}

/** Log lines as the engine reads them: colour codes, timestamps and the CI's own markers removed. */
export function cleanLines(log: string): string[] {
  return normalizeLog(log).map((l) => l.text);
}

/** The cause of a failed job from its log, with the lines that prove it. */
export function classifyLog(log: string, job = ""): Diagnosis {
  return fromEngine(diagnoseLog(log), job);
}

export function fromEngine(d: EngineDiagnosis, job: string): Diagnosis {
  const evidence = d.lines.map((l) => ({ line: l.line, text: l.text }));
  return {
    category: d.category,
    cause: d.cause,
    action: d.action === "ask" ? "investigate" : d.action,
    ...(d.fix ? { fix: d.fix } : {}),
    infrastructure: d.infrastructure,
    facts: d.facts,
    evidence,
    fingerprint: fingerprint(d.category, job, evidence),
  };
}

/** Category, job and the first evidence line with its numbers, hashes and paths' digits taken out. */
function fingerprint(category: Category, job: string, evidence: Evidence[]): string {
  const first = (evidence[0]?.text ?? "").replace(/[0-9a-f]{7,40}/gi, "#").replace(/\d+/g, "0");
  return createHash("sha256").update(`${category}\n${job}\n${first}`).digest("hex").slice(0, 16);
}
