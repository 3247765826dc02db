/** A Jira emulator and an app whose jira toolset talks to it over real HTTP (loopback only). */
import { createJiraEmulator, type JiraEmulator, type JiraSeed } from "../../src/emulators/jira/server.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

type Obj = Record<string, unknown>;

export interface JiraBed {
  emu: JiraEmulator;
  app: TestApp;
  /** Calls a tool; throws with the error when it fails. */
  call(name: string, args: Obj): Promise<Obj>;
  close(): Promise<void>;
}

export async function startJiraBed(
  seed: JiraSeed,
  env: Record<string, string> = { JIRA_EMAIL: "user@example.test", JIRA_API_TOKEN: "t" },
  toolsets = "jira",
): Promise<JiraBed> {
  const emu = await createJiraEmulator();
  emu.seed(seed);
  const app = await startTestApp({ env: { REPOWRIGHT_TOOLSETS: toolsets, JIRA_URL: emu.url, ...env } });
  return {
    emu,
    app,
    async call(name, args) {
      const r = await app.call(name, args);
      if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.data)}`);
      return r.data as Obj;
    },
    async close() {
      await app.close();
      await emu.close();
    },
  };
}
