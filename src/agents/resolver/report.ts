/** What the resolver writes for people: the pull request's body and the issue's status comment. */
import type { RunRecord } from "./run.js";
import type { TestPlan, TestRun } from "./testing/index.js";

/** Starts the resolver's one status comment on an issue (found again by it, and edited in place). */
export const STATUS_MARKER = "<!-- repowright:resolver -->";

const cost = (r: RunRecord) =>
  r.model
    ? `${r.model.name}: ${r.model.turns} turns, ${r.model.inputTokens} input / ${r.model.outputTokens} output tokens (${r.model.cachedTokens} cached), $${r.model.dollars.toFixed(4)}`
    : "no model call";

export function prBody(a: { record: RunRecord; plan: TestPlan; changeRun: TestRun; commit: string }): string {
  const { record: r } = a;
  const base = r.tests?.base;
  const change = r.tests?.change;
  return [
    `Fixes #${r.issue}.`,
    "",
    "## Summary",
    r.summary ?? "",
    ...(r.rootCause ? ["", "## Root cause", r.rootCause] : []),
    "",
    "## Evidence",
    `Test command: \`${a.plan.command.join(" ")}\` (${a.plan.source}), run in the sandbox (${r.tests?.isolation ?? "?"} isolation).`,
    "",
    "| | passed | failed |",
    "| --- | --- | --- |",
    `| base (${r.base?.sha.slice(0, 7)}) | ${base?.passed ?? "?"} | ${base?.failed ?? "?"} |`,
    `| with this change (${a.commit.slice(0, 7)}) | ${change?.passed ?? "?"} | ${change?.failed ?? "?"} |`,
    "",
    `Fails on the base and passes now: ${(r.evidence?.fixed ?? []).map((t) => `\`${t}\``).join(", ")}`,
    "",
    "Gates:",
    ...(r.gates ?? []).map((g) => `- ${g.ok ? "✅" : "❌"} ${g.gate}: ${g.detail}`),
    "",
    "<details><summary>End of the test output</summary>",
    "",
    "```",
    a.changeRun.tail.slice(-4000),
    "```",
    "</details>",
    "",
    "## Review checklist",
    "- [ ] The change addresses the issue, not only the test",
    "- [ ] The added or changed tests say what the issue says",
    "- [ ] Nothing outside the issue's scope changed",
    "",
    `Model: ${cost(r)}. Run ${r.id}.`,
    "Pushed with the server's token: if it is a `GITHUB_TOKEN`, GitHub does not start workflows for this push — close and reopen the PR, or use a GitHub App token.",
  ].join("\n");
}

export function statusBody(a: { state: "working" | "done"; record: RunRecord; note?: string }): string {
  const r = a.record;
  if (a.state === "working") return `🔧 repowright is ${a.note ?? "working on this issue"}.`;
  const o = r.outcome;
  const phases = r.phases
    .map((p) => `${p.ok === false ? "❌" : "✅"} ${p.name}${p.detail ? `: ${p.detail}` : ""}`)
    .join("\n- ");
  const head =
    o?.kind === "pr_opened"
      ? `✅ **Final state: pull request ${o.updated ? "updated" : "opened"}**: ${o.url} (draft, branch \`${o.branch}\`).`
      : `⛔ **Final state: no pull request.** ${o?.kind === "no_pr" ? `Reason: ${o.reason}. ${o.detail}` : ""}`;
  return [head, "", `- ${phases}`, "", `Model: ${cost(r)}. Run ${r.id}.`].join("\n");
}
