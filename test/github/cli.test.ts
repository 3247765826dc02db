import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");

describe("repowright emulate github", () => {
  let child: ChildProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), "rw-emu-cli-"));
  afterAll(() => {
    if (child?.pid) child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves a seeded emulator on the port and data dir given", async () => {
    const seed = join(dir, "seed.json");
    writeFileSync(
      seed,
      JSON.stringify({ repos: [{ owner: "cli", name: "demo", files: { "hello.txt": "hi" } }] }),
    );
    child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        join(root, "src/cli/main.ts"),
        "emulate",
        "github",
        "--port",
        "0",
        "--data",
        join(dir, "data"),
        "--seed",
        seed,
      ],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child!.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /GitHub emulator at (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child!.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    const repo = (await (await fetch(`${url}/repos/cli/demo`)).json()) as Record<string, unknown>;
    expect(repo).toMatchObject({ full_name: "cli/demo", default_branch: "main" });
    const file = (await (await fetch(`${url}/repos/cli/demo/contents/hello.txt`)).json()) as Record<
      string,
      unknown
    >;
    expect(Buffer.from(String(file["content"]), "base64").toString()).toBe("hi");
  });
});
