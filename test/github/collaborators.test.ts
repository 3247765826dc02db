/** Collaborators and their permissions (seeded roles, the owner, everyone else), over the emulator's HTTP API. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGithubEmulator, type GithubEmulator } from "../../src/emulators/github/server.js";
import { emulatorCall } from "./helpers.js";

type Obj = Record<string, unknown>;

describe("GitHub emulator: collaborator permissions", () => {
  let emu: GithubEmulator;
  const call = emulatorCall(() => emu.url, "tok-alice");

  beforeAll(async () => {
    emu = await createGithubEmulator();
    await emu.seed({
      tokens: { "tok-alice": "alice" },
      repos: [
        {
          owner: "acme",
          name: "widgets",
          files: { "README.md": "# w\n" },
          collaborators: { alice: "write", maya: "maintain", tri: "triage", rita: "pull" },
        },
        { owner: "acme", name: "vault", private: true, collaborators: { alice: "admin" } },
      ],
    });
  });
  afterAll(async () => {
    await emu?.close();
  });

  it("reports the owner as admin, seeded roles, and read or none for anyone else", async () => {
    const perm = async (repo: string, user: string) => {
      const r = await call("GET", `/repos/acme/${repo}/collaborators/${user}/permission`);
      expect(r.status).toBe(200);
      const u = r.body["user"] as Obj;
      return {
        permission: r.body["permission"],
        role_name: r.body["role_name"],
        login: u["login"],
        p: u["permissions"],
      };
    };
    expect(await perm("widgets", "acme")).toMatchObject({
      permission: "admin",
      role_name: "admin",
      login: "acme",
    });
    expect(await perm("widgets", "alice")).toMatchObject({
      permission: "write",
      role_name: "write",
      p: { pull: true, triage: true, push: true, maintain: false, admin: false },
    });
    // The legacy `permission` maps maintain to write and triage to read; role_name keeps the role.
    expect(await perm("widgets", "MAYA")).toMatchObject({
      permission: "write",
      role_name: "maintain",
      login: "maya",
    });
    expect(await perm("widgets", "tri")).toMatchObject({ permission: "read", role_name: "triage" });
    expect(await perm("widgets", "rita")).toMatchObject({ permission: "read", role_name: "read" });
    expect(await perm("widgets", "stranger")).toMatchObject({
      permission: "read",
      role_name: "read",
      p: { pull: true, push: false, admin: false },
    });
    expect(await perm("vault", "stranger")).toMatchObject({
      permission: "none",
      role_name: "none",
      p: { pull: false, push: false, admin: false },
    });
    expect(await perm("vault", "alice")).toMatchObject({ permission: "admin", role_name: "admin" });
    expect((await call("GET", "/repos/acme/nope/collaborators/alice/permission")).status).toBe(404);
  });

  it("checks collaborators (204 or 404), and seeding again changes a role", async () => {
    expect((await call("GET", "/repos/acme/widgets/collaborators/alice")).status).toBe(204);
    expect((await call("GET", "/repos/acme/widgets/collaborators/acme")).status).toBe(204);
    expect((await call("GET", "/repos/acme/widgets/collaborators/stranger")).status).toBe(404);
    await emu.seed({
      repos: [{ owner: "acme", name: "widgets", collaborators: { stranger: "admin", alice: "read" } }],
    });
    const s = await call("GET", "/repos/acme/widgets/collaborators/stranger/permission");
    expect(s.body).toMatchObject({ permission: "admin", role_name: "admin" });
    const a = await call("GET", "/repos/acme/widgets/collaborators/alice/permission");
    expect(a.body).toMatchObject({ permission: "read", role_name: "read" });
    await expect(
      emu.seed({ repos: [{ owner: "acme", name: "new-one", collaborators: { x: "owner" as "admin" } }] }),
    ).rejects.toThrow(/unknown collaborator role "owner"/);
    expect((await call("GET", "/repos/acme/new-one")).status).toBe(404);
  });
});
