/**
 * resources/subscribe: a session that subscribed to a URI hears `notifications/resources/updated` when a
 * tool reports a change to it, whichever session ran the tool; other sessions and other URIs hear nothing.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineTool, defineToolset, type Toolset } from "../../src/mcp/tool.js";
import { connectSession, startTestApp, type TestApp } from "../helpers/app.js";

let counter = 0;

const watched = defineToolset({
  name: "watched",
  description: "A counter resource and a tool that changes it.",
  tools: [
    defineTool({
      name: "bump",
      title: "Bump",
      description: "Adds one to the counter (or only reports a change to another URI).",
      input: z.object({ uri: z.string().default("test://counter") }),
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
      async handler(input, ctx) {
        counter++;
        ctx.resourceUpdated(input.uri);
        return { counter };
      },
    }),
  ],
  resources: [
    {
      uri: "test://counter",
      name: "counter",
      read: async () => [{ uri: "test://counter", text: String(counter) }],
    },
  ],
}) as Toolset;

/** Collects the resources/updated URIs a client hears. */
function listen(client: Client): string[] {
  const heard: string[] = [];
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    heard.push(n.params.uri);
  });
  return heard;
}

/** Lets in-flight notifications arrive: a ping is answered after them on the same ordered transport. */
async function settle(...clients: Client[]): Promise<void> {
  for (const c of clients) await c.ping();
}

describe("resource subscriptions", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ toolsets: [watched] });
  });
  afterAll(async () => {
    await app.close();
  });

  it("tells each subscribed session, and only it, when a tool in any session changes the resource", async () => {
    // Count the host listeners that sessions opened from here on hold, to see that closing one frees its own.
    let listening = 0;
    const host = app.host as { onResourceUpdated: TestApp["host"]["onResourceUpdated"] };
    const original = host.onResourceUpdated;
    host.onResourceUpdated = (listener) => {
      listening++;
      const stop = original(listener);
      return () => {
        listening--;
        stop();
      };
    };
    const other = await connectSession(app.host);
    expect(listening).toBe(1);
    const heardA = listen(app.client);
    const heardB = listen(other.client);

    await app.client.subscribeResource({ uri: "test://counter" });
    await other.client.callTool({ name: "bump", arguments: {} });
    await other.client.callTool({ name: "bump", arguments: { uri: "test://elsewhere" } });
    await settle(app.client, other.client);
    expect(heardA).toEqual(["test://counter"]);
    expect(heardB).toEqual([]);
    const read = await app.client.readResource({ uri: "test://counter" });
    expect(read.contents[0]).toMatchObject({ text: String(counter) });

    // B subscribes too; both hear the next change, made by A.
    await other.client.subscribeResource({ uri: "test://counter" });
    await app.client.callTool({ name: "bump", arguments: {} });
    await settle(app.client, other.client);
    expect(heardA).toEqual(["test://counter", "test://counter"]);
    expect(heardB).toEqual(["test://counter"]);

    // After unsubscribing, A hears nothing more; a closed session is forgotten and breaks nothing.
    await app.client.unsubscribeResource({ uri: "test://counter" });
    await other.client.close();
    await other.server.close();
    expect(listening).toBe(0);
    const result = await app.client.callTool({ name: "bump", arguments: {} });
    expect(result.isError).toBeFalsy();
    await settle(app.client);
    expect(heardA).toHaveLength(2);
  });
});
