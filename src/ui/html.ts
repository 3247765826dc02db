/** The dashboard's page frame, its one stylesheet (served at /ui/ui.css) and small HTML helpers. */

export function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

/** "3 min ago", with the exact time in the title. */
export function relTime(iso: string): string {
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  const text = Number.isNaN(s)
    ? iso
    : s < 60
      ? `${s} s ago`
      : s < 3600
        ? `${Math.round(s / 60)} min ago`
        : s < 86400
          ? `${Math.round(s / 3600)} h ago`
          : iso.slice(0, 10);
  return `<time datetime="${esc(iso)}" title="${esc(iso)}">${text}</time>`;
}

export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · repowright</title><link rel="stylesheet" href="/ui/ui.css"></head>
<body><header><a class="brand" href="/ui">repowright</a> <nav><a href="/ui#runs">Runs</a> <a href="/ui#jobs">Jobs</a> <a href="/ui#goals">Goals</a> <a href="/ui#ci">CI</a> <a href="/ui#tools">Tools</a></nav></header>
<main><h1>${esc(title)}</h1>
${body}
</main></body></html>`;
}

export const CSS = `
:root { --ok: #1a7f37; --bad: #cf222e; --run: #9a6700; --muted: #57606a; --line: #d0d7de; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; }
header { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.2rem; background: #24292f; }
header a { color: #fff; text-decoration: none; } header .brand { font-weight: 700; } nav a { margin-right: 1rem; opacity: .85; }
main { padding: 1rem 1.2rem 3rem; max-width: 1400px; }
h1 { font-size: 1.4rem; margin: .2rem 0 1rem; } h2 { font-size: 1.1rem; margin: 1.6rem 0 .5rem; } small { color: var(--muted); font-weight: 400; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--bg); font-weight: 600; }
.status, .phase { display: inline-block; padding: 0 .45rem; border-radius: 1rem; font-size: 12px; border: 1px solid var(--line); background: var(--bg); }
.ok, .completed, .done { color: var(--ok); border-color: var(--ok); }
.failed, .dead, .blocked, .bad { color: var(--bad); border-color: var(--bad); }
.running, .active, .in_progress, .waiting, .delayed { color: var(--run); border-color: var(--run); }
.cancelled { color: var(--muted); }
.error { color: var(--bad); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; } dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
.counts .status { margin-right: .3rem; }
figure.graph { margin: 0; overflow-x: auto; border: 1px solid var(--line); background: #fff; }
figure.graph figcaption { padding: .4rem .6rem; color: var(--muted); }
form label { display: block; margin: 1rem 0; } form input { display: block; width: 40rem; max-width: 100%; padding: .4rem; margin-top: .3rem; }
button { padding: .4rem 1rem; }
`;
