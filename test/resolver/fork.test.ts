/**
 * An issue whose repository the resolver's token cannot push to: the branch goes to a fork in the
 * token's account (made through the API), the draft PR's head is `forkowner:branch`, nothing is pushed
 * to the issue's repository, and a second run updates the same fork branch and PR.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, type ResolverBed, startResolverBed } from "./bed.js";
import { ADD_FIXED, SEED } from "./fixture.js";

type Obj = Record<string, unknown>;

describe("the resolver on a repository its token cannot push to", () => {
  let bed: ResolverBed;
  beforeAll(async () => {
    // The token is an outsider's: it can read the public acme/calc and comment, not push.
    bed = await startResolverBed({
      ...SEED,
      users: [...(SEED.users ?? []), { login: "rw-bot" }],
      tokens: { "resolver-token": "rw-bot" },
    });
  });
  afterAll(async () => {
    await bed?.close();
  });

  it("pushes to a fork and opens the draft PR from forkowner:branch", async () => {
    const repo = (await fetch(`${bed.gh.url}/repos/acme/calc`, {
      headers: { authorization: "Bearer resolver-token" },
    }).then((r) => r.json())) as Obj;
    expect(repo["permissions"]).toMatchObject({ push: false, pull: true });

    const made = await bed.app.call("create_issue", {
      owner: "acme",
      repo: "calc",
      title: "add() subtracts",
    });
    const issue = Number((made.data as Obj)["number"]);
    const fix = [
      calls({ name: "write_file", input: { path: "src/add.js", content: ADD_FIXED } }),
      calls({ name: "finish", input: { summary: "add() adds" } }),
    ];
    const record = await bed.run({ owner: "acme", repo: "calc", issue }, fix);
    const branch = `repowright/issue-${issue}`;
    expect(record.outcome, JSON.stringify(record.phases)).toMatchObject({
      kind: "pr_opened",
      branch: `rw-bot:${branch}`,
      updated: false,
    });
    // Nothing was pushed to the issue's repository; the fork has the one commit on top of the base.
    expect(bed.git("acme", "calc", "branch", "--list", "repowright/*")).toBe("");
    expect(bed.git("rw-bot", "calc", "show", `refs/heads/${branch}:src/add.js`)).toBe(ADD_FIXED.trim());
    expect(
      bed.git("rw-bot", "calc", "rev-list", "--count", `${record.base?.sha}..refs/heads/${branch}`),
    ).toBe("1");
    const pr = (
      await bed.app.call("get_pull_request", {
        owner: "acme",
        repo: "calc",
        pull_number: (record.outcome as { pr: number }).pr,
      })
    ).data as Obj;
    expect(pr).toMatchObject({ draft: true });
    const prRest = (await fetch(
      `${bed.gh.url}/repos/acme/calc/pulls/${(record.outcome as { pr: number }).pr}`,
      {
        headers: { authorization: "Bearer resolver-token" },
      },
    ).then((r) => r.json())) as {
      head: { label: string; repo: { full_name: string } };
      changed_files: number;
    };
    expect(prRest.head.label).toBe(`rw-bot:${branch}`);
    expect(prRest.head.repo.full_name).toBe("rw-bot/calc");
    expect(prRest.changed_files).toBe(1);

    // Again: the same fork branch and the same PR, updated.
    const again = await bed.run({ owner: "acme", repo: "calc", issue }, fix);
    expect(again.outcome).toMatchObject({
      kind: "pr_opened",
      updated: true,
      pr: (record.outcome as { pr: number }).pr,
      branch: `rw-bot:${branch}`,
    });
    expect(await bed.comments("acme", "calc", issue)).toHaveLength(1);
  }, 120_000);
});
