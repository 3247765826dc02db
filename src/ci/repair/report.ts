/**
 * The CI doctor's reports: the record as JSON (as is), and as Markdown for people — the Actions job
 * summary, the persistent-failure issue, the fix pull request's body. Success and failure alike say what
 * was seen, what was done and how it ended, with the log lines that proved each cause.
 */
import { GOOD, type Iteration, type RepairRecord } from "./types.js";

/** Marks the doctor's one issue per repository, workflow and branch (found again by it, then edited). */
export const issueMarker = (repository: string, workflow: string, branch: string) =>
  `<!-- repowright-ci-doctor:${repository.toLowerCase()}:${workflow}:${branch} -->`;

const OUTCOME_WORDS: Record<string, string> = {
  fixed: "fixed — the run is green after the fix",
  rerun_green: "green after a re-run (infrastructure, nothing to fix)",
  passing: "nothing to do — the run passed",
  already_analysed: "already analysed",
  handed_to_resolver: "handed to the issue resolver (the code needs a change)",
  pushed_unverified: "fix pushed, not verified (no run started on it)",
  stopped: "stopped — needs a person",
};

export function outcomeLine(record: RepairRecord): string {
  const o = record.outcome;
  if (!o) return "in progress";
  const words = OUTCOME_WORDS[o.kind] ?? o.kind;
  return o.kind === "stopped" ? `${words} (${o.reason}): ${o.detail}` : `${words}: ${o.detail}`;
}

function iterationMarkdown(it: Iteration, n: number): string[] {
  const out = [
    `### ${n}. Run ${it.run_id} (attempt ${it.attempt}, ${it.head_sha.slice(0, 7)}): ${it.verdict}`,
    "",
  ];
  for (const f of it.failures) {
    out.push(
      `- **${f.job}**: ${f.category} — ${f.cause} (action: ${f.action}, fingerprint \`${f.fingerprint}\`)`,
    );
    if (f.note) out.push(`  - ${f.note}`);
    for (const e of f.evidence.slice(0, 4)) out.push(`  - \`${e.replace(/`/g, "'").slice(0, 200)}\``);
  }
  const p = it.plan;
  if (p.kind === "fix") {
    out.push("", "Fix:");
    for (const f of p.fixes)
      out.push(`- ${f.description}${f.commands.length ? ` (\`${f.commands.join("; ")}\`)` : ""}`);
  } else if (p.kind === "rerun") out.push("", "Re-ran the failed jobs (infrastructure, not code).");
  else if (p.kind === "resolver") out.push("", "Handed to the issue resolver.");
  else if (p.kind === "stop") out.push("", `Stopped: ${p.reason}.`);
  if (it.commit)
    out.push(`Commit ${it.commit.sha.slice(0, 7)} on \`${it.commit.branch}\`: ${it.commit.files.join(", ")}`);
  if (it.next_run)
    out.push(
      `Checked by run ${it.next_run.id} (attempt ${it.next_run.attempt}): ${it.next_run.conclusion ?? "not finished"}`,
    );
  out.push("");
  return out;
}

export function markdownReport(record: RepairRecord): string {
  const good = record.outcome ? GOOD.has(record.outcome.kind) : false;
  const out = [
    `## ${good ? "✅" : "❌"} CI doctor: ${record.repository} ${record.workflow?.name ?? ""} on ${record.branch ?? "?"}`,
    "",
    `**Outcome:** ${outcomeLine(record)}`,
    "",
  ];
  if (record.pull_request)
    out.push(`**Pull request:** #${record.pull_request.number} ${record.pull_request.url}`, "");
  if (record.issue) out.push(`**Issue:** #${record.issue.number} ${record.issue.url}`, "");
  record.iterations.forEach((it, i) => {
    out.push(...iterationMarkdown(it, i + 1));
  });
  if (record.notes.length > 0) out.push("**Notes:**", ...record.notes.map((n) => `- ${n}`), "");
  out.push(
    "| phase | ok | time | detail |",
    "|---|---|---|---|",
    ...record.phases.map(
      (p) =>
        `| ${p.name} | ${p.ok === undefined ? "…" : p.ok ? "yes" : "no"} | ${p.durationMs === undefined ? "" : `${(p.durationMs / 1000).toFixed(1)} s`} | ${(p.detail ?? "").replace(/\|/g, "\\|").replace(/\n/g, " ").slice(0, 200)} |`,
    ),
    "",
    `<sub>repowright CI doctor run ${record.id}</sub>`,
  );
  return `${out.join("\n")}\n`;
}
