/** Reading and editing one issue comment by its id, over the emulator's HTTP API. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGithubEmulator, type GithubEmulator } from "../../src/emulators/github/server.js";
import { emulatorCall } from "./helpers.js";

type Obj = Record<string, unknown>;

describe("GitHub emulator: issue comments by id", () => {
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
          issues: [
            { title: "Crash", comments: [{ user: "maya", body: "me too" }] },
            { title: "Other", comments: [{ user: "bob", body: "other issue" }] },
          ],
        },
        { owner: "acme", name: "vault", private: true },
      ],
    });
  });
  afterAll(async () => {
    await emu?.close();
  });

  it("reads one comment by id, edits its body, and the issue's comment list shows the edit", async () => {
    const R = "/repos/acme/widgets";
    const list = (await call("GET", `${R}/issues/1/comments`)).body as unknown as Obj[];
    const id = list[0]!["id"] as number;
    const one = await call("GET", `${R}/issues/comments/${id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      id,
      body: "me too",
      url: `${emu.url}${R}/issues/comments/${id}`,
      issue_url: `${emu.url}${R}/issues/1`,
      user: { login: "maya" },
    });
    const before = one.body["updated_at"] as string;

    const edited = await call("PATCH", `${R}/issues/comments/${id}`, { body: "me too, on v3 as well" });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({
      id,
      body: "me too, on v3 as well",
      created_at: one.body["created_at"],
    });
    expect((edited.body["updated_at"] as string) >= before).toBe(true);
    expect(Date.parse(edited.body["updated_at"] as string)).toBeGreaterThan(Date.now() - 5000);

    expect((await call("GET", `${R}/issues/comments/${id}`)).body["body"]).toBe("me too, on v3 as well");
    const after = (await call("GET", `${R}/issues/1/comments`)).body as unknown as Obj[];
    expect(after.map((c) => c["body"])).toEqual(["me too, on v3 as well"]);
    // Another issue's comments are untouched.
    const other = (await call("GET", `${R}/issues/2/comments`)).body as unknown as Obj[];
    expect(other.map((c) => c["body"])).toEqual(["other issue"]);
  });

  it("answers 404 for unknown comment ids (and ids of another repository) and 422 without a body", async () => {
    const R = "/repos/acme/widgets";
    expect((await call("GET", `${R}/issues/comments/999999`)).status).toBe(404);
    expect((await call("PATCH", `${R}/issues/comments/999999`, { body: "x" })).status).toBe(404);
    expect((await call("GET", `${R}/issues/comments/not-a-number`)).status).toBe(404);
    const id = ((await call("GET", `${R}/issues/1/comments`)).body as unknown as Obj[])[0]!["id"];
    expect((await call("GET", `/repos/acme/vault/issues/comments/${id}`)).status).toBe(404);
    const missing = await call("PATCH", `${R}/issues/comments/${id}`, {});
    expect(missing.status).toBe(422);
    expect(missing.body["message"]).toBe("Validation Failed");
  });
});
