/** `repowright emulate frappe`: a standalone Frappe site on the port given, seeded with the demo shop. */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");

describe("repowright emulate frappe", () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child?.pid) child.kill("SIGTERM");
  });

  it("serves the demo site and prints the settings to use it", async () => {
    child = spawn(
      process.execPath,
      ["--import", "tsx", join(root, "src/cli/main.ts"), "emulate", "frappe", "--port", "0"],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
    );
    const out = await new Promise<string>((resolve, reject) => {
      let text = "";
      child!.stdout!.on("data", (d: Buffer) => {
        text += d.toString();
        if (/FRAPPE_API_SECRET=\S+/.test(text)) resolve(text);
      });
      child!.once("exit", (code) => reject(new Error(`exited ${code}: ${text}`)));
    });
    const url = /Frappe emulator at (http:\/\/\S+)/.exec(out)![1]!;
    expect(out).toContain(`FRAPPE_URL=${url} FRAPPE_API_KEY=demo-key FRAPPE_API_SECRET=demo-secret`);
    const auth = { authorization: "token demo-key:demo-secret" };
    const so = (await (
      await fetch(`${url}/api/resource/Sales%20Order/SO-0001`, { headers: auth })
    ).json()) as {
      data: Record<string, unknown>;
    };
    expect(so.data).toMatchObject({ customer: "Acme Corp", docstatus: 1 });
    const refused = await fetch(`${url}/api/resource/Customer`, {
      headers: { authorization: "token demo-key:wrong" },
    });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ exc_type: "AuthenticationError" });
  });
});
