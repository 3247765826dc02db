/**
 * The URIs of the github toolset's resources (resources.ts), and which of them a REST write may change:
 * the host tells subscribed sessions about those (resources/subscribe).
 */
export const issueUri = (owner: string, repo: string, n: number | string) =>
  `github://repos/${owner}/${repo}/issues/${n}`;
export const pullUri = (owner: string, repo: string, n: number | string) =>
  `github://repos/${owner}/${repo}/pulls/${n}`;
export const contentsUri = (owner: string, repo: string, path: string) =>
  `github://repos/${owner}/${repo}/contents/${encodeURIComponent(path)}`;

const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * The resources a successful REST write may have changed, from its route template and parameters: any
 * write under an issue or a pull request (comments, labels, state, reviews, merge) changes both views of
 * that number (a pull request is an issue too), and a contents write changes that file. Writes through
 * the git data API name no file; push_files reports its files itself.
 */
export function changedResources(method: string, route: string, params: Record<string, unknown>): string[] {
  if (!WRITES.has(method.toUpperCase())) return [];
  const owner = params["owner"];
  const repo = params["repo"];
  if (typeof owner !== "string" || typeof repo !== "string") return [];
  const m =
    /^\/repos\/\{owner\}\/\{repo\}\/(issues\/\{issue_number\}|pulls\/\{pull_number\}|contents\/\{path\})/.exec(
      route,
    );
  if (!m) return [];
  if (m[1] === "contents/{path}") {
    return typeof params["path"] === "string" ? [contentsUri(owner, repo, params["path"])] : [];
  }
  const n = params["issue_number"] ?? params["pull_number"];
  if (typeof n !== "number" && typeof n !== "string") return [];
  return [issueUri(owner, repo, n), pullUri(owner, repo, n)];
}
