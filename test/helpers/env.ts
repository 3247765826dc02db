/**
 * The environment a test's child process inherits: the parent's, without repowright's settings and
 * without any outside service's credentials or endpoints (a developer's GITHUB_TOKEN, JIRA_*,
 * ANTHROPIC_API_KEY, ...). A child process cannot be handed loopback-only network edges the way an
 * in-process app is (test/helpers/loopback.ts), so it gets no credentials to reach a real service with;
 * each test adds the settings it means.
 */
const SERVICE_PREFIXES = ["REPOWRIGHT_", "GITHUB_", "JIRA_", "FRAPPE_"];
const SERVICE_KEYS = new Set([
  "BRAVE_API_KEY",
  "GOOGLE_CSE_API_KEY",
  "GOOGLE_CSE_ID",
  "ANTHROPIC_API_KEY",
  "OPENAI_API_KEY",
  "REDIS_URL",
]);

export function parentEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || SERVICE_KEYS.has(k) || SERVICE_PREFIXES.some((p) => k.startsWith(p))) continue;
    env[k] = v;
  }
  return env;
}
