import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config.js";
import { createWorkspace } from "../../src/core/workspace.js";
import { type CodeService, createCodeService } from "../../src/toolsets/code/service.js";
import { write } from "./fixture.js";

describe("switching branches", () => {
  let repo: string;
  let home: string;
  let service: CodeService;
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
      cwd: repo,
      stdio: "pipe",
    });

  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), "rw-branch-repo-"));
    home = mkdtempSync(join(tmpdir(), "rw-branch-home-"));
    service = createCodeService(loadConfig({ env: { REPOWRIGHT_HOME: home } }), createWorkspace([tmpdir()]));
    git("init", "-q", "-b", "main");
    write(repo, "app/billing.py", "def charge_card(amount):\n    return amount\n");
    write(repo, "app/users.py", "def create_user(name):\n    return name\n");
    write(repo, ".git/info/exclude", "secret_notes.txt\n");
    write(repo, "secret_notes.txt", "charge_card notes\n");
    git("add", "app");
    git("commit", "-q", "-m", "main");
    git("checkout", "-q", "-b", "feature");
    write(repo, "app/billing.py", "def refund_card(amount):\n    return -amount\n");
    rmSync(join(repo, "app/users.py"));
    write(repo, "app/invoices.py", "def send_invoice(user):\n    return user\n");
    git("add", "-A", "app");
    git("commit", "-q", "-m", "feature");
  });
  afterAll(async () => {
    await service.close();
    rmSync(repo, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  const top = async (q: string) =>
    (await service.search(repo, q, { k: 5, mode: "lexical", granularity: "chunk" })).results.map(
      (r) => r.symbol,
    );

  it("follows the checked-out branch with nothing stale, and respects .git/info/exclude", async () => {
    const onFeature = await service.index(repo, { embedder: "lsi" });
    expect(onFeature.files_indexed).toBe(2);
    expect(await top("refund_card")).toContain("refund_card");
    git("checkout", "-q", "main");
    const onMain = await service.index(repo, { embedder: "lsi" });
    expect(onMain).toMatchObject({ files_deleted: 1 });
    expect(onMain.files_indexed).toBeGreaterThanOrEqual(2);
    expect(await top("charge_card")).toEqual(["charge_card"]);
    expect(await top("refund send_invoice")).toEqual([]);
    expect(await top("create_user")).toEqual(["create_user"]);
    expect((await (await service.require(repo)).stats()).files).toBe(2);
  });
});
