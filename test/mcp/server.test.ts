/**
 * How the session server maps what resource, prompt and completion handlers throw: protocol errors whose
 * data is the error shape (docs/architecture.md, "Errors"), internals logged but never sent, secrets redacted.
 */
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notFoundError, validationError } from "../../src/core/errors.js";
import { defineToolset, type Toolset } from "../../src/mcp/tool.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

const SECRET = "ghp_secretsecretsecretsecretsecret1234";

const failing = defineToolset({
  name: "failing",
  description: "Handlers that fail in each tier.",
  tools: [],
  resources: [
    {
      uri: "fail://missing",
      name: "missing",
      description: "Throws not_found.",
      read: async () => {
        throw notFoundError("no such thing");
      },
    },
    {
      uri: "fail://crash",
      name: "crash",
      description: "Throws an unexpected error.",
      read: async () => {
        throw new Error(`database password is ${SECRET}`);
      },
    },
    {
      uri: "fail://leaky",
      name: "leaky",
      description: "Returns a secret.",
      read: async () => [{ uri: "fail://leaky", text: `token=${SECRET}` }],
    },
  ],
  prompts: [
    {
      name: "picky",
      description: "Rejects its argument.",
      arguments: [{ name: "x", required: true }],
      get: async () => {
        throw validationError("x must be a number");
      },
      complete: async () => {
        throw new Error("boom");
      },
    },
  ],
}) as Toolset;

async function rejection(p: Promise<unknown>): Promise<McpError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(McpError);
  return e as McpError;
}

describe("protocol errors of resources, prompts and completions", () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ toolsets: [failing], env: { GITHUB_TOKEN: SECRET } });
  });

  afterAll(async () => {
    await app.close();
  });

  it("maps not_found of a resource to -32002 with the error shape", async () => {
    const e = await rejection(app.client.readResource({ uri: "fail://missing" }));
    expect(e.code).toBe(-32002);
    expect(e.data).toEqual({ error: "no such thing", type: "not_found", status_code: 404 });
  });

  it("answers an unknown resource with -32002", async () => {
    expect((await rejection(app.client.readResource({ uri: "fail://nope" }))).code).toBe(-32002);
  });

  it("hides internals of an unexpected failure", async () => {
    const e = await rejection(app.client.readResource({ uri: "fail://crash" }));
    expect(e.code).toBe(-32603);
    expect(e.data).toMatchObject({ type: "internal" });
    expect(JSON.stringify([e.message, e.data])).not.toContain("password");
  });

  it("redacts secrets from resource contents", async () => {
    const { contents } = await app.client.readResource({ uri: "fail://leaky" });
    expect(JSON.stringify(contents)).not.toContain(SECRET);
  });

  it("maps a prompt's validation error to -32602, and checks required arguments first", async () => {
    const e = await rejection(app.client.getPrompt({ name: "picky", arguments: { x: "a" } }));
    expect(e.code).toBe(-32602);
    expect(e.data).toEqual({ error: "x must be a number", type: "validation" });
    expect((await rejection(app.client.getPrompt({ name: "picky" }))).message).toMatch(/Missing required.*x/);
    expect((await rejection(app.client.getPrompt({ name: "nope" }))).code).toBe(-32602);
  });

  it("maps a failing completion to an internal protocol error", async () => {
    const e = await rejection(
      app.client.complete({ ref: { type: "ref/prompt", name: "picky" }, argument: { name: "x", value: "" } }),
    );
    expect(e.code).toBe(-32603);
  });
});
