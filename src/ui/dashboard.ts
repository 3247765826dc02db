/**
 * The operations dashboard at /ui: resolver runs (phases, evidence, cost, outcome) from the store's
 * `resolver-runs` collection, the jobs on the queue, a goal as a dependency graph (phases as columns, the
 * critical path highlighted), and tool-call rates and latency from the metrics registry. Server-rendered
 * HTML with no scripts needed and nothing fetched from elsewhere (a strict Content-Security-Policy says so).
 *
 * Auth: the same authenticator as MCP and REST. A browser cannot send a bearer header by itself, so with
 * REPOWRIGHT_AUTH=jwt the /ui/login form takes a token, verifies it and keeps it in an HttpOnly,
 * SameSite=Strict cookie; every page verifies it again. Goals are read through the goals tools with the
 * caller's identity (roles and audit apply); runs and jobs need a caller allowed to call `list_jobs`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { RUNS, type RunRecord } from "../agents/resolver/run.js";
import type { Authenticator, Principal } from "../mcp/auth.js";
import { AuthFailure } from "../mcp/auth.js";
import type { Host } from "../mcp/host.js";
import { type HttpRoute, header, readBody } from "../mcp/http.js";
import { SERVER_VERSION } from "../mcp/server.js";
import type { Caller } from "../mcp/tool.js";
import { JOB_STATES } from "../queue/types.js";
import { CI_DIAGNOSES } from "../toolsets/ci/index.js";
import { type GraphPhase, type GraphTask, goalGraphSvg } from "./graph.js";
import { CSS, esc, layout, relTime, table } from "./html.js";

export const UI_PREFIX = "/ui";
const COOKIE = "repowright_ui_token";

export interface DashboardOptions {
  authenticator?: Authenticator;
}

type Obj = Record<string, unknown>;

export function dashboardRoute(host: Host, options: DashboardOptions = {}): HttpRoute {
  return async (req, res, url) => {
    const path = url.pathname;
    if (path !== UI_PREFIX && !path.startsWith(`${UI_PREFIX}/`)) return false;
    if (path === `${UI_PREFIX}/ui.css`) {
      send(res, 200, CSS, "text/css; charset=utf-8");
      return true;
    }
    if (path === `${UI_PREFIX}/login`) {
      await login(req, res, options.authenticator);
      return true;
    }
    let principal: Principal | undefined;
    if (options.authenticator) {
      const token = bearer(req);
      try {
        principal = await options.authenticator.verify(token ? `Bearer ${token}` : undefined);
      } catch (err) {
        if (!(err instanceof AuthFailure)) throw err;
        host.metrics.httpAuthFailures.labels(String(err.status)).inc();
        send(res, err.status, loginPage(err.message));
        return true;
      }
    }
    const caller: Caller = {
      id: principal?.id ?? "anonymous",
      roles: principal?.roles ?? [],
      transport: "http",
    };
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET");
      send(res, 405, layout("Method not allowed", "<p>The dashboard is read-only.</p>"));
      return true;
    }
    try {
      const run = /^\/ui\/runs\/([A-Za-z0-9_.:#/-]{1,200})$/.exec(path);
      const goal = /^\/ui\/goals\/(GOAL-\d{4,})$/.exec(path);
      if (path === UI_PREFIX || path === `${UI_PREFIX}/`) send(res, 200, await overview(host, caller));
      else if (run) send(res, ...(await runPage(host, caller, decodeURIComponent(run[1]!))));
      else if (goal) send(res, ...(await goalPage(host, caller, goal[1]!)));
      else
        send(
          res,
          404,
          layout("Not found", `<p>No such page. <a href="${UI_PREFIX}">Back to the dashboard</a>.</p>`),
        );
    } catch (err) {
      host.services.log.warn({ err, path }, "dashboard page failed");
      send(res, 500, layout("Error", `<p>This page failed: ${esc((err as Error).message)}</p>`));
    }
    return true;
  };
}

// ------------------------------------------------------------------------------------------------ auth

function bearer(req: IncomingMessage): string | undefined {
  const auth = header(req, "authorization");
  if (auth?.toLowerCase().startsWith("bearer ")) return auth.slice(7).trim();
  for (const part of (header(req, "cookie") ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === COOKIE) return decodeURIComponent(v.join("="));
  }
  return undefined;
}

async function login(req: IncomingMessage, res: ServerResponse, authenticator: Authenticator | undefined) {
  if (req.method !== "POST") {
    send(res, 200, loginPage(authenticator ? undefined : "This server does not ask for a token."));
    return;
  }
  // A form from elsewhere must not log a browser in (login CSRF): the Origin, when sent, is this host.
  const origin = header(req, "origin");
  if (origin && origin !== "null" && new URL(origin).host !== req.headers.host) {
    send(res, 403, loginPage("Refused: the form came from another site."));
    return;
  }
  const form = new URLSearchParams((await readBody(req, 64 * 1024)) ?? "");
  const token = (form.get("token") ?? "").trim();
  if (authenticator) {
    try {
      await authenticator.verify(`Bearer ${token}`);
    } catch (err) {
      if (!(err instanceof AuthFailure)) throw err;
      send(res, 401, loginPage(err.message));
      return;
    }
  }
  const secure = header(req, "x-forwarded-proto") === "https" ? "; Secure" : "";
  res.setHeader(
    "set-cookie",
    `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=${UI_PREFIX}${secure}`,
  );
  res.statusCode = 303;
  res.setHeader("location", UI_PREFIX);
  res.end();
}

function loginPage(message?: string): string {
  return layout(
    "Sign in",
    `${message ? `<p class="error" role="alert">${esc(message)}</p>` : ""}
<form method="post" action="${UI_PREFIX}/login">
  <label>Bearer token (the same JWT as for MCP and REST) <input type="password" name="token" autocomplete="off" required></label>
  <button type="submit">Sign in</button>
</form>`,
  );
}

// ------------------------------------------------------------------------------------------------ pages

async function invoke(host: Host, caller: Caller, tool: string, args: Obj): Promise<Obj | undefined> {
  if (!host.tools.has(tool)) return undefined;
  const outcome = await host.invoke(tool, args, { caller });
  if (!outcome.ok) throw new Error(`${tool}: ${outcome.error.error}`);
  return outcome.value as Obj;
}

async function listRuns(host: Host): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await host.services.store.listDocs<RunRecord>(RUNS, {
      limit: 200,
      ...(cursor ? { cursor } : {}),
    });
    runs.push(...page.docs.map((d) => d.data));
    cursor = page.cursor ?? undefined;
  } while (cursor && runs.length < 1000);
  return runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

const mayReadRuns = (host: Host, caller: Caller) =>
  !host.tools.has("list_jobs") || host.allows("list_jobs", caller);

function outcomeCell(r: RunRecord): string {
  if (!r.outcome) return `<span class="status running">running</span>`;
  if (r.outcome.kind === "pr_opened")
    return `<a class="status ok" href="${esc(r.outcome.url)}">PR #${r.outcome.pr}${r.outcome.updated ? " (updated)" : ""}</a>`;
  return `<span class="status failed" title="${esc(r.outcome.detail)}">no PR: ${esc(r.outcome.reason)}</span>`;
}

const dollars = (n: number | undefined) => (n === undefined ? "" : `$${n.toFixed(n < 1 ? 4 : 2)}`);

async function overview(host: Host, caller: Caller): Promise<string> {
  const sections: string[] = [];
  if (mayReadRuns(host, caller)) {
    const runs = (await listRuns(host)).slice(0, 50);
    sections.push(
      `<section id="runs"><h2>Runs</h2>${
        runs.length === 0
          ? "<p>No resolver runs yet.</p>"
          : table(
              ["Run", "Issue", "Started", "Phases", "Cost", "Outcome"],
              runs.map((r) => [
                `<a href="${UI_PREFIX}/runs/${encodeURIComponent(r.id)}">${esc(r.id)}</a>`,
                esc(`${r.repository}#${r.issue}`),
                relTime(r.startedAt),
                r.phases
                  .map(
                    (p) =>
                      `<span class="phase ${p.ok === false ? "failed" : p.ok ? "ok" : "running"}">${p.name}</span>`,
                  )
                  .join(" "),
                dollars(r.model?.dollars),
                outcomeCell(r),
              ]),
            )
      }</section>`,
    );
    const counts = await host.services.queue.counts();
    const jobs = await host.services.queue.list({ limit: 50 });
    sections.push(`<section id="jobs"><h2>Jobs <small>(${host.services.queue.engine})</small></h2>
<p class="counts">${JOB_STATES.map((s) => `<span class="status ${s}">${s}: <b data-state="${s}">${counts[s]}</b></span>`).join(" ")}</p>${
      jobs.length === 0
        ? "<p>No jobs on the queue.</p>"
        : table(
            ["Job", "Kind", "State", "Attempts", "Progress", "Updated", "Error"],
            jobs.map((j) => [
              esc(j.id),
              esc(j.kind),
              `<span class="status ${j.state}">${j.state}</span>`,
              `${j.attempts}/${j.maxAttempts}`,
              j.progress
                ? esc(
                    `${j.progress.progress}${j.progress.total ? `/${j.progress.total}` : ""} ${j.progress.message ?? ""}`,
                  )
                : "",
              relTime(new Date(j.updatedAt).toISOString()),
              esc(j.error ?? ""),
            ]),
          )
    }</section>`);
  } else {
    sections.push(
      "<p>Your roles do not include reading runs and jobs (the <code>list_jobs</code> tool).</p>",
    );
  }
  const goals = await invoke(host, caller, "list_goals", { limit: 50 }).catch(() => undefined);
  if (goals) {
    const list = goals["goals"] as {
      id: string;
      title: string;
      status: string;
      tasks: number;
      percent_done: number;
    }[];
    sections.push(
      `<section id="goals"><h2>Goals</h2>${
        list.length === 0
          ? "<p>No goals.</p>"
          : table(
              ["Goal", "Title", "Status", "Tasks", "Done"],
              list.map((g) => [
                `<a href="${UI_PREFIX}/goals/${g.id}">${g.id}</a>`,
                esc(g.title),
                `<span class="status ${g.status}">${esc(g.status)}</span>`,
                String(g.tasks),
                `<meter min="0" max="100" value="${g.percent_done}"></meter> ${Math.round(g.percent_done)}%`,
              ]),
            )
      }</section>`,
    );
  }
  sections.push(await ciSection(host, caller));
  sections.push(await toolSection(host));
  return layout("repowright", sections.join("\n"));
}

async function ciSection(host: Host, caller: Caller): Promise<string> {
  if (!mayReadRuns(host, caller)) return "";
  // What the CI doctor diagnosed, by repository and failure category, per day (the `ci-diagnoses` collection).
  const page = await host.services.store.listDocs<{ repository: string; category: string; at: string }>(
    CI_DIAGNOSES,
    { limit: 500 },
  );
  if (page.docs.length === 0)
    return `<section id="ci"><h2>CI health</h2><p>No CI failures diagnosed yet (<code>diagnose_ci_failure</code> records them).</p></section>`;
  const rows = new Map<string, Map<string, number>>();
  const days = new Set<string>();
  for (const { data } of page.docs) {
    const day = data.at.slice(0, 10);
    days.add(day);
    const key = `${data.repository}\u0000${data.category}`;
    const m = rows.get(key) ?? new Map<string, number>();
    m.set(day, (m.get(day) ?? 0) + 1);
    rows.set(key, m);
  }
  const cols = [...days].sort().slice(-14);
  return `<section id="ci"><h2>CI health <small>failures by category, per day</small></h2>${table(
    ["Repository", "Category", ...cols.map((d) => d.slice(5))],
    [...rows.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, m]) => {
        const [repo, category] = key.split("\u0000");
        return [
          esc(repo!),
          esc(category!),
          ...cols.map((d) => (m.get(d) ? `<b class="bad">${m.get(d)}</b>` : "·")),
        ];
      }),
  )}</section>`;
}

async function toolSection(host: Host): Promise<string> {
  const json = await host.metrics.registry.getMetricsAsJSON();
  const calls = json.find((m) => m.name === "repowright_tool_calls_total");
  const dur = json.find((m) => m.name === "repowright_tool_duration_seconds");
  const byTool = new Map<
    string,
    { ok: number; err: number; sum: number; count: number; buckets: [number, number][] }
  >();
  const entry = (tool: string) => {
    let e = byTool.get(tool);
    if (!e) {
      e = { ok: 0, err: 0, sum: 0, count: 0, buckets: [] };
      byTool.set(tool, e);
    }
    return e;
  };
  for (const v of (calls?.values ?? []) as { value: number; labels: Obj }[]) {
    const e = entry(String(v.labels["tool"]));
    if (v.labels["outcome"] === "ok") e.ok += v.value;
    else e.err += v.value;
  }
  for (const v of (dur?.values ?? []) as { value: number; labels: Obj; metricName?: string }[]) {
    const e = entry(String(v.labels["tool"]));
    if (v.metricName?.endsWith("_sum")) e.sum = v.value;
    else if (v.metricName?.endsWith("_count")) e.count = v.value;
    else if (v.metricName?.endsWith("_bucket") && v.labels["le"] !== "+Inf")
      e.buckets.push([Number(v.labels["le"]), v.value]);
  }
  const upMin = Math.max(process.uptime() / 60, 1 / 60);
  const p95 = (e: { count: number; buckets: [number, number][] }) => {
    const want = e.count * 0.95;
    const hit = e.buckets.sort((a, b) => a[0] - b[0]).find(([, n]) => n >= want);
    return hit ? `≤ ${hit[0]} s` : e.count ? "> 60 s" : "";
  };
  const rows = [...byTool.entries()]
    .filter(([, e]) => e.ok + e.err > 0)
    .sort((a, b) => b[1].ok + b[1].err - (a[1].ok + a[1].err))
    .slice(0, 30);
  return `<section id="tools"><h2>Tool calls <small>this process, since it started (${Math.round(upMin)} min); every replica: Grafana</small></h2>${
    rows.length === 0
      ? "<p>No tool calls yet.</p>"
      : table(
          ["Tool", "Calls", "Errors", "Calls / min", "Mean", "p95"],
          rows.map(([tool, e]) => [
            esc(tool),
            String(e.ok + e.err),
            e.err ? `<b class="bad">${e.err}</b>` : "0",
            ((e.ok + e.err) / upMin).toFixed(2),
            e.count ? `${((e.sum / e.count) * 1000).toFixed(1)} ms` : "",
            p95(e),
          ]),
        )
  }</section>`;
}

async function runPage(host: Host, caller: Caller, id: string): Promise<[number, string]> {
  if (!mayReadRuns(host, caller))
    return [403, layout("Forbidden", "<p>Your roles do not include reading runs.</p>")];
  const doc = await host.services.store.getDoc<RunRecord>(RUNS, id);
  if (!doc)
    return [404, layout("Run not found", `<p>No run ${esc(id)}. <a href="${UI_PREFIX}">Back</a>.</p>`)];
  const r = doc.data;
  const m = r.model;
  const parts = [
    `<p><a href="${UI_PREFIX}">← Dashboard</a></p>`,
    `<dl class="facts"><dt>Issue</dt><dd>${esc(`${r.repository}#${r.issue}`)}</dd><dt>Trigger</dt><dd>${esc(r.trigger.kind)}${r.trigger.user ? ` by ${esc(r.trigger.user)}` : ""}</dd>
<dt>Started</dt><dd>${esc(r.startedAt)}</dd><dt>Finished</dt><dd>${esc(r.finishedAt ?? "running")}</dd>
<dt>Base</dt><dd>${r.base ? esc(`${r.base.branch} @ ${r.base.sha.slice(0, 12)}`) : ""}</dd><dt>Outcome</dt><dd id="outcome">${outcomeCell(r)}</dd></dl>`,
    r.outcome?.kind === "no_pr" ? `<p class="error">${esc(r.outcome.detail)}</p>` : "",
    `<h2>Phases</h2>${table(
      ["Phase", "Started", "Duration", "Result", "Detail"],
      r.phases.map((p) => [
        p.name,
        esc(p.startedAt),
        p.durationMs === undefined ? "" : `${(p.durationMs / 1000).toFixed(1)} s`,
        `<span class="status ${p.ok === false ? "failed" : p.ok ? "ok" : "running"}">${p.ok === false ? "failed" : p.ok ? "ok" : "running"}</span>`,
        esc(p.detail ?? ""),
      ]),
    )}`,
    r.tests
      ? `<h2>Tests</h2><p><code>${esc(r.tests.command)}</code> (${esc(r.tests.source)}${r.tests.isolation ? `, ${esc(r.tests.isolation)}` : ""})</p>${table(
          ["", "Passed", "Failed", "Summary"],
          (["base", "change"] as const)
            .filter((k) => r.tests?.[k])
            .map((k) => [
              k,
              String(r.tests![k]!.passed),
              String(r.tests![k]!.failed),
              esc(r.tests![k]!.summary),
            ]),
        )}`
      : "",
    r.evidence
      ? `<h2>Evidence</h2><p>Fixed by the change (failing on the base, passing after):</p><ul class="evidence">${r.evidence.fixed.map((t) => `<li class="ok">${esc(t)}</li>`).join("") || "<li>none</li>"}</ul>${r.evidence.broken.length ? `<p>Broken by the change:</p><ul>${r.evidence.broken.map((t) => `<li class="bad">${esc(t)}</li>`).join("")}</ul>` : ""}`
      : "",
    r.gates?.length
      ? `<h2>Gates</h2>${table(
          ["Gate", "Result", "Detail"],
          r.gates.map((g) => {
            const o = g as unknown as Obj;
            return [
              esc(String(o["gate"] ?? o["name"] ?? "")),
              o["ok"] ? "ok" : `<b class="bad">refused</b>`,
              esc(String(o["detail"] ?? o["reason"] ?? "")),
            ];
          }),
        )}`
      : "",
    m
      ? `<h2>Cost</h2><dl class="facts"><dt>Model</dt><dd>${esc(m.name)}</dd><dt>Turns</dt><dd>${m.turns}</dd><dt>Tool calls</dt><dd>${m.toolCalls}</dd>
<dt>Tokens</dt><dd>${m.inputTokens} in (${m.cachedTokens} cached), ${m.outputTokens} out</dd><dt>Spent</dt><dd id="cost">${dollars(m.dollars)}</dd></dl>`
      : "",
    r.rootCause ? `<h2>Root cause</h2><p>${esc(r.rootCause)}</p>` : "",
    r.summary ? `<h2>Summary</h2><p>${esc(r.summary)}</p>` : "",
  ];
  return [200, layout(`Run ${r.id}`, parts.join("\n"))];
}

async function goalPage(host: Host, caller: Caller, id: string): Promise<[number, string]> {
  if (!host.tools.has("generate_execution_plan"))
    return [404, layout("Goals not served", "<p>The goals toolset is not served here.</p>")];
  const goal = (await invoke(host, caller, "get_goal", { goal_id: id }).catch(() => undefined)) as
    | { goal: { id: string; title: string; status: string } }
    | undefined;
  if (!goal)
    return [404, layout("Goal not found", `<p>No goal ${esc(id)}. <a href="${UI_PREFIX}">Back</a>.</p>`)];
  const plan = (await invoke(host, caller, "generate_execution_plan", {
    goal_id: id,
    include_done: true,
    ids_only: true,
  })) as {
    phases: { phase: number; tasks: string[] }[];
    critical_path: { path: string[]; length: number; unit: string };
    unscheduled: { id: string; reason: string }[];
  };
  const tasks: GraphTask[] = [];
  let cursor: string | null = null;
  do {
    const page = (await invoke(host, caller, "list_tasks", {
      goal_id: id,
      limit: 500,
      ...(cursor ? { cursor } : {}),
    })) as {
      tasks: GraphTask[];
      next_cursor: string | null;
    };
    tasks.push(...page.tasks);
    cursor = page.next_cursor;
  } while (cursor);
  const phases: GraphPhase[] = plan.phases.map((p) => ({ phase: p.phase, tasks: p.tasks }));
  const svg = goalGraphSvg(tasks, phases, plan.critical_path.path);
  return [
    200,
    layout(
      `${goal.goal.id}: ${goal.goal.title}`,
      `<p><a href="${UI_PREFIX}">← Dashboard</a> · status <span class="status ${esc(goal.goal.status)}">${esc(goal.goal.status)}</span> · ${tasks.length} tasks in ${phases.length} phases · critical path ${esc(plan.critical_path.path.join(" → "))} (${plan.critical_path.length} ${esc(plan.critical_path.unit)})</p>
<figure class="graph">${svg}<figcaption>Phases left to right: every task of a column can run in parallel once the columns before it are done. Thick red: the critical path.</figcaption></figure>
${plan.unscheduled.length ? `<h2>Cannot be scheduled</h2><ul>${plan.unscheduled.map((u) => `<li>${esc(u.id)}: ${esc(u.reason)}</li>`).join("")}</ul>` : ""}
<p class="legend">${["pending", "in_progress", "blocked", "done", "cancelled"].map((s) => `<span class="status ${s}">${s}</span>`).join(" ")}</p>`,
    ),
  ];
}

function send(res: ServerResponse, status: number, body: string, type = "text/html; charset=utf-8") {
  res.statusCode = status;
  res.setHeader("content-type", type);
  res.setHeader("cache-control", "no-store");
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("x-frame-options", "DENY");
  // Nothing from elsewhere, no scripts: the read views are plain HTML.
  res.setHeader(
    "content-security-policy",
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
  res.setHeader("x-repowright-version", SERVER_VERSION);
  res.end(body);
}
