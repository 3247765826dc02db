/** The CI doctor's request and its record: what it saw, planned, changed, and how it ended. */

export interface RepairRequest {
  owner: string;
  repo: string;
  run_id: number;
  /** Who or what started it: recorded, and named in the report. */
  trigger: { kind: "cli" | "watch" | "webhook" | "tool" | "action"; user?: string; delivery?: string };
  /** Analyse the run attempt again although it was analysed before. */
  force?: boolean;
}

export type PhaseName = "watch" | "diagnose" | "plan" | "fix" | "push" | "rerun" | "verify" | "report";

export interface Phase {
  name: PhaseName;
  startedAt: string;
  durationMs?: number;
  ok?: boolean;
  detail?: string;
}

export interface FailureSummary {
  job: string;
  category: string;
  action: string;
  cause: string;
  fingerprint: string;
  evidence: string[];
  note?: string;
}

/** One turn of the loop: a run attempt diagnosed, what was done about it, and the run that checked it. */
export interface Iteration {
  run_id: number;
  attempt: number;
  head_sha: string;
  verdict: string;
  failures: FailureSummary[];
  plan:
    | { kind: "none" }
    | { kind: "rerun" }
    | { kind: "fix"; fixes: { id: string; description: string; commands: string[] }[] }
    | { kind: "resolver" }
    | { kind: "stop"; reason: string };
  commit?: { sha: string; branch: string; files: string[] };
  next_run?: { id: number; attempt: number; conclusion?: string | null };
}

export type RepairOutcome =
  | { kind: "fixed"; detail: string }
  | { kind: "rerun_green"; detail: string }
  | { kind: "passing"; detail: string }
  | { kind: "already_analysed"; detail: string }
  | { kind: "handed_to_resolver"; detail: string; issue: number }
  | { kind: "pushed_unverified"; detail: string }
  | { kind: "stopped"; reason: string; detail: string };

export interface RepairRecord {
  id: string;
  repository: string;
  run_id: number;
  workflow?: { id: number; name: string; path: string };
  branch?: string;
  head_sha?: string;
  trigger: RepairRequest["trigger"];
  startedAt: string;
  finishedAt?: string;
  phases: Phase[];
  iterations: Iteration[];
  pull_request?: { number: number; url: string; branch: string; created: boolean };
  issue?: { number: number; url: string; state: "open" | "closed" };
  notes: string[];
  outcome?: RepairOutcome;
}

/** Green outcomes (the loop ends well). */
export const GOOD = new Set(["fixed", "rerun_green", "passing"]);
