/**
 * Collaborators: who has which role on a repository. The owner (a user account) is admin; others have the
 * role they were seeded with (`collaborators` in a seed repo). Anyone else can read a public repository
 * and has no access to a private one, which is what GitHub's permission endpoint reports for them.
 */
import type { EmuEnv } from "./env.js";
import { HttpError, type Router } from "./http.js";
import { collaboratorPermissionPayload } from "./payloads.js";
import { REPO_ROLES, type RepoRec, type RepoRole } from "./state.js";

/** The role `login` was given on the repository (owner: admin), or null when none was. */
export function collaboratorRole(env: EmuEnv, rec: RepoRec, login: string): RepoRole | null {
  const l = login.toLowerCase();
  if (rec.owner.toLowerCase() === l && env.state.user(rec.owner).type !== "Organization") return "admin";
  return rec.collaborators?.find((c) => c.login.toLowerCase() === l)?.role ?? null;
}

/** A seed's role name: GitHub's role names, or the API's `pull`/`push` aliases for read and write. */
export function parseRole(value: string): RepoRole {
  const v = value.toLowerCase();
  const role = v === "pull" ? "read" : v === "push" ? "write" : v;
  if (!(REPO_ROLES as readonly string[]).includes(role))
    throw new HttpError(
      422,
      `unknown collaborator role ${JSON.stringify(value)}: one of ${REPO_ROLES.join(", ")} (or pull, push)`,
    );
  return role as RepoRole;
}

/** Gives `login` the role `role` on the repository (replacing any role it had). */
export function setCollaborator(rec: RepoRec, login: string, role: RepoRole): void {
  const list = rec.collaborators ?? [];
  rec.collaborators = [...list.filter((c) => c.login.toLowerCase() !== login.toLowerCase()), { login, role }];
}

export function registerCollaboratorRoutes(router: Router, env: EmuEnv): void {
  const R = "/repos/:owner/:repo";

  // 204 when the user is a collaborator (the owner counts), 404 otherwise.
  router.on("GET", `${R}/collaborators/:username`, (req) => {
    const h = env.repo(req);
    if (collaboratorRole(env, h.rec, req.params["username"]!) === null) throw new HttpError(404, "Not Found");
    return { status: 204 };
  });

  router.on("GET", `${R}/collaborators/:username/permission`, (req) => {
    const h = env.repo(req);
    const login = req.params["username"]!;
    const role = collaboratorRole(env, h.rec, login) ?? (h.rec.private ? null : "read");
    return {
      status: 200,
      body: collaboratorPermissionPayload(req.urls, env.state.user(login), role),
    };
  });
}
