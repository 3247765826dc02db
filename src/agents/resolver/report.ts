/** What the resolver writes for people: the pull request's body and the issue's status comment. */
import type { RunRecord } from "./run.js";
import type { TestPlan, TestRun } from "./testing/index.js";

/** Starts the resolver's one status comment on an issue (found again by it, and edited in place). */
export const STATUS_MARKER = "<!-- repowright:resolver -->";

const cost = (r: RunRecord) =>
  r.model
    ? `${r.model.name}: ${r.model.turns} turns, ${r.model.inputTokens} input / ${r.model.outputTokens} output tokens (${r.model.cachedTokens} cached), $${r.model.dollars.toFixed(4)}`
    : "no model call";

/** The parts of the pull request's body, each placed in the template's matching section when it has one. */
export interface BodyParts {
  /** "Fixes #n." */
  issue: string;
  summary: string;
  rootCause?: string;
  /** The test command, the counts before and after, the fixed tests and the end of the output. */
  evidence: string;
  gates: string;
  checklist: string;
  /** Model, tokens, cost, the run's id and the note on pushes with a GITHUB_TOKEN. */
  footer: string;
}

export function bodyParts(a: {
  record: RunRecord;
  plan: TestPlan;
  changeRun: TestRun;
  commit: string;
}): BodyParts {
  const { record: r } = a;
  const base = r.tests?.base;
  const change = r.tests?.change;
  return {
    issue: `Fixes #${r.issue}.`,
    summary: r.summary ?? "",
    ...(r.rootCause ? { rootCause: r.rootCause } : {}),
    evidence: [
      `Test command: \`${a.plan.command.join(" ")}\` (${a.plan.source}), run in the sandbox (${r.tests?.isolation ?? "?"} isolation).`,
      "",
      "| | passed | failed |",
      "| --- | --- | --- |",
      `| base (${r.base?.sha.slice(0, 7)}) | ${base?.passed ?? "?"} | ${base?.failed ?? "?"} |`,
      `| with this change (${a.commit.slice(0, 7)}) | ${change?.passed ?? "?"} | ${change?.failed ?? "?"} |`,
      "",
      `Fails on the base and passes now: ${(r.evidence?.fixed ?? []).map((t) => `\`${t}\``).join(", ")}`,
      "",
      "<details><summary>End of the test output</summary>",
      "",
      "```",
      a.changeRun.tail.slice(-4000),
      "```",
      "</details>",
    ].join("\n"),
    gates: ["Gates:", ...(r.gates ?? []).map((g) => `- ${g.ok ? "✅" : "❌"} ${g.gate}: ${g.detail}`)].join(
      "\n",
    ),
    checklist: [
      "- [ ] The change addresses the issue, not only the test",
      "- [ ] The added or changed tests say what the issue says",
      "- [ ] Nothing outside the issue's scope changed",
    ].join("\n"),
    footer: [
      `Model: ${cost(r)}. Run ${r.id}.`,
      "Pushed with the server's token: if it is a `GITHUB_TOKEN`, GitHub does not start workflows for this push — close and reopen the PR, or use a GitHub App token.",
    ].join("\n"),
  };
}

/** The body without a template of the repository's: every part under its own heading. */
export function prBody(a: { record: RunRecord; plan: TestPlan; changeRun: TestRun; commit: string }): string {
  const p = bodyParts(a);
  return [
    p.issue,
    "",
    "## Summary",
    p.summary,
    ...(p.rootCause ? ["", "## Root cause", p.rootCause] : []),
    "",
    "## Evidence",
    p.evidence,
    "",
    p.gates,
    "",
    "## Review checklist",
    p.checklist,
    "",
    p.footer,
  ].join("\n");
}

type Slot = "summary" | "rootCause" | "issue" | "tests" | "type" | "checklist";

/** Which part a template's section heading asks for (the headings templates use, in many wordings). */
const SLOTS: [Slot, RegExp][] = [
  ["rootCause", /root cause|\bcause\b|\bwhy\b|motivation|context|background|reason/i],
  ["issue", /related (issue|ticket)|\bissues?\b|\bticket|\bfixes\b|\bcloses\b|\blinks?\b/i],
  ["tests", /\btest|verif|\bqa\b|how (has|was|to|did)|evidence/i],
  ["type", /type of change|kind of change|change type/i],
  ["checklist", /check ?list|before (you )?submit|requirements/i],
  ["summary", /summary|descri|what|changes?|overview|proposed|purpose|pull request|\babout\b|details/i],
];

/**
 * Fills the repository's pull request template section by section: each section whose heading asks for
 * one of the parts (summary, root cause, related issue, testing) gets it in place of the template's
 * placeholder text and comments; a "type of change" list gets its bug-fix box ticked; checklists and
 * sections the resolver has nothing for keep the template's text, for the reviewer. What has no section
 * (the gates, the review checklist, the model and cost) follows at the end under one heading. A template
 * without headings comes after the summary, as it is.
 */
export function fillTemplate(template: string, p: BodyParts): string {
  const lines = template.replace(/\r\n/g, "\n").trim().split("\n");
  const sections: { heading?: string; body: string[] }[] = [{ body: [] }];
  let fence = false;
  for (const line of lines) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    if (!fence && /^#{1,6}\s+\S/.test(line)) sections.push({ heading: line, body: [] });
    else (sections[sections.length - 1] as { body: string[] }).body.push(line);
  }
  const slotOf = (heading: string) => SLOTS.find(([, re]) => re.test(heading.replace(/^#+\s*/, "")))?.[0];
  const hasIssueSlot = sections.some((s) => s.heading && slotOf(s.heading) === "issue");
  const content: Record<Exclude<Slot, "type" | "checklist">, string | undefined> = {
    summary: hasIssueSlot ? p.summary : `${p.issue}\n\n${p.summary}`,
    rootCause: p.rootCause,
    issue: p.issue,
    tests: p.evidence,
  };
  const used = new Set<Slot>();
  const out: string[] = [];
  for (const s of sections) {
    if (!s.heading) {
      // Text before the first heading; a template of no headings at all is the reviewer's checklist.
      if (sections.length === 1) {
        used.add("summary");
        out.push(content.summary ?? "", "", ...s.body);
      } else out.push(...s.body);
      continue;
    }
    const slot = slotOf(s.heading);
    out.push(s.heading);
    if (slot === "type") {
      out.push(
        ...s.body.map((l) => (/^\s*[-*] \[ \].*\bbug\s*-?\s*fix/i.test(l) ? l.replace("[ ]", "[x]") : l)),
      );
      continue;
    }
    if (!slot || slot === "checklist" || used.has(slot) || content[slot] === undefined) {
      out.push(...s.body);
      continue;
    }
    used.add(slot);
    // The template's own checkboxes stay (they are the reviewer's); its placeholder text goes.
    const boxes = stripComments(s.body.join("\n"))
      .split("\n")
      .filter((l) => /^\s*[-*] \[[ xX]\]/.test(l));
    out.push("", content[slot] as string, ...(boxes.length > 0 ? ["", ...boxes] : []), "");
  }
  const rest: string[] = [];
  if (!used.has("summary")) rest.push(...(used.has("issue") ? [] : [p.issue, ""]), p.summary, "");
  else if (hasIssueSlot && !used.has("issue")) rest.push(p.issue, "");
  if (p.rootCause && !used.has("rootCause")) rest.push(`**Root cause:** ${p.rootCause}`, "");
  if (!used.has("tests")) rest.push(p.evidence, "");
  rest.push(p.gates, "", "Review checklist:", p.checklist, "", p.footer);
  return [...out, "", "## repowright", "", ...rest].join("\n").replace(/\n{3,}/g, "\n\n");
}

function stripComments(text: string): string {
  return text.replace(/<!--[\s\S]*?-->/g, "");
}

const CONVENTIONAL =
  /^(feat|fix|chore|docs|refactor|test|tests|perf|build|ci|style|revert)(\([^)]*\))?!?: \S/;

/**
 * The repository's title rule, read from its history: conventional commits when most of the recent
 * commit subjects (at least three) are written that way or the repository configures commitlint or a
 * semantic-PR check; else a plain imperative title.
 */
export function titleStyle(subjects: string[], enforced = false): "conventional" | "plain" {
  if (enforced) return "conventional";
  const own = subjects.filter((s) => !/^Merge (pull request|branch)/.test(s));
  const conventional = own.filter((s) => CONVENTIONAL.test(s)).length;
  return conventional >= 3 && conventional * 2 >= own.length ? "conventional" : "plain";
}

/**
 * The pull request's title: never a `[WIP]` or draft marker (the PR is a draft already, and such prefixes
 * break PR-title checks), nor the issue's own tags (`[Bug]`, `bug:`); `fix: …` when the repository
 * writes conventional commits, else `Fix #n: …`.
 */
export function prTitle(issue: { number: number; title: string }, style: "conventional" | "plain"): string {
  let t = issue.title.trim();
  for (;;) {
    const next = t
      .replace(/^(\[[^\]]{1,20}\]|\((wip|draft|bug)\))\s*/i, "")
      .replace(/^(wip|draft|bug|fix|issue)\s*[:-]\s*/i, "")
      .trim();
    if (next === t) break;
    t = next;
  }
  if (t === "") t = `issue #${issue.number}`;
  t = t.slice(0, 200);
  if (style === "conventional") return `fix: ${t.charAt(0).toLowerCase()}${t.slice(1)} (#${issue.number})`;
  return `Fix #${issue.number}: ${t}`;
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
