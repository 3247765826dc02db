/**
 * What code over the GitHub client needs without loading Octokit: the client's types, the request helper
 * that carries an abort signal, GitHub's error recognised by shape, and the credentials check. The client
 * itself (Octokit and its plugins) is built in client.ts by the composition root; toolsets import this
 * module, so listing the tools does not load Octokit.
 */
import type { Config } from "../core/config.js";
import type { GithubOctokit } from "./client.js";

export type GithubClient = InstanceType<typeof GithubOctokit>;

export interface GithubDeps {
  octokit: GithubClient;
  /** Fetch used for downloads outside the API (job logs after GitHub's redirect). */
  fetch: typeof fetch;
}

/** The client's `request` with an abort signal on every call (a tool's `ctx.signal`). */
export function withSignal(deps: GithubDeps, signal: AbortSignal) {
  const { octokit } = deps;
  return {
    octokit,
    request: ((route: string, params: Record<string, unknown> = {}) =>
      octokit.request(route, {
        ...params,
        request: { ...(params["request"] as object | undefined), signal },
      })) as typeof octokit.request,
  };
}

/** @octokit/request's RequestError, recognised by shape (the class lives in a transitive package). */
export interface RequestError extends Error {
  status: number;
  request: { method: string; url: string; request?: { retryCount?: number } };
  response?: { url: string; status: number; headers: Record<string, string | undefined>; data: unknown };
}

export function isRequestError(err: unknown): err is RequestError {
  return err instanceof Error && err.name === "HttpError" && typeof (err as RequestError).status === "number";
}
/** Why the toolset cannot run with this config (no or partial credentials), or undefined. */
export function missingCredentials(gh: Config["github"]): string | undefined {
  if (gh.token) return undefined;
  const app = {
    GITHUB_APP_ID: gh.appId,
    "GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_PATH": gh.appPrivateKey ?? gh.appPrivateKeyPath,
    GITHUB_APP_INSTALLATION_ID: gh.appInstallationId,
  };
  const missing = Object.entries(app)
    .filter(([, v]) => !v)
    .map(([k]) => k);
  if (missing.length === 0) return undefined;
  if (missing.length === 3) {
    return "no GitHub credentials: set GITHUB_TOKEN, or GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY + GITHUB_APP_INSTALLATION_ID";
  }
  return `GitHub App configuration is incomplete: missing ${missing.join(", ")}`;
}
