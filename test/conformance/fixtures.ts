/**
 * The fixture tools, resources and prompts the MCP conformance suite (`@modelcontextprotocol/conformance`
 * 0.1.13) calls by name, as one test-only toolset. It is loaded as a plugin
 * (`repowright serve --plugin test/conformance/fixtures.ts`), so every call goes through the same host,
 * pipeline and transports as the real toolsets: the suite checks our host, not a separate server.
 *
 * Each fixture does what the suite's scenario text asks for and nothing more; see the scenario sources in
 * modelcontextprotocol/conformance, tag v0.1.13, src/scenarios/server/.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { ToolError } from "../../src/core/errors.js";
import {
  defineTool,
  defineToolset,
  type Prompt,
  type Resource,
  type ResourceTemplate,
  rawResult,
  type Tool,
  type ToolAnnotations,
  type ToolContext,
} from "../../src/mcp/tool.js";

/** 1x1 red PNG. */
export const TEST_IMAGE_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
/** A minimal WAV file. */
export const TEST_AUDIO_BASE64 = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

const FIXTURE: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};
/** Tools that talk back to the client (sampling, elicitation) are not idempotent. */
const INTERACTIVE: ToolAnnotations = { ...FIXTURE, idempotentHint: false };

const noInput = z.object({});

function requireClient(ctx: ToolContext, capability: string) {
  if (!ctx.client?.supports(capability)) {
    throw new ToolError(
      "validation",
      `this tool needs a client that declares the ${capability} capability; this one does not`,
    );
  }
  return ctx.client;
}

const tools = [
  defineTool({
    name: "test_simple_text",
    title: "Simple text",
    description: "Returns one text block.",
    input: noInput,
    annotations: FIXTURE,
    async handler() {
      return "This is a simple text response for testing.";
    },
  }),
  defineTool({
    name: "test_image_content",
    title: "Image content",
    description: "Returns one image block (a 1x1 PNG).",
    input: noInput,
    annotations: FIXTURE,
    async handler() {
      return rawResult([{ type: "image", data: TEST_IMAGE_BASE64, mimeType: "image/png" }]);
    },
  }),
  defineTool({
    name: "test_audio_content",
    title: "Audio content",
    description: "Returns one audio block (a minimal WAV).",
    input: noInput,
    annotations: FIXTURE,
    async handler() {
      return rawResult([{ type: "audio", data: TEST_AUDIO_BASE64, mimeType: "audio/wav" }]);
    },
  }),
  defineTool({
    name: "test_embedded_resource",
    title: "Embedded resource",
    description: "Returns one embedded text resource.",
    input: noInput,
    annotations: FIXTURE,
    async handler() {
      return rawResult([
        {
          type: "resource",
          resource: {
            uri: "test://embedded-resource",
            mimeType: "text/plain",
            text: "This is an embedded resource content.",
          },
        },
      ]);
    },
  }),
  defineTool({
    name: "test_multiple_content_types",
    title: "Mixed content",
    description: "Returns a text, an image and an embedded resource block.",
    input: noInput,
    annotations: FIXTURE,
    async handler() {
      return rawResult([
        { type: "text", text: "Multiple content types test:" },
        { type: "image", data: TEST_IMAGE_BASE64, mimeType: "image/png" },
        {
          type: "resource",
          resource: {
            uri: "test://mixed-content-resource",
            mimeType: "application/json",
            text: JSON.stringify({ test: "data", value: 123 }),
          },
        },
      ]);
    },
  }),
  defineTool({
    name: "test_tool_with_logging",
    title: "Logging during a call",
    description: "Sends three info log notifications 50 ms apart while it runs.",
    input: noInput,
    annotations: FIXTURE,
    async handler(_input, ctx) {
      await ctx.client?.log("info", "Tool execution started", "conformance");
      await sleep(50, undefined, { signal: ctx.signal });
      await ctx.client?.log("info", "Tool processing data", "conformance");
      await sleep(50, undefined, { signal: ctx.signal });
      await ctx.client?.log("info", "Tool execution completed", "conformance");
      return "Tool with logging executed successfully";
    },
  }),
  defineTool({
    name: "test_tool_with_progress",
    title: "Progress during a call",
    description: "Reports progress 0, 50 and 100 of 100, 50 ms apart, when the caller asked for progress.",
    input: noInput,
    annotations: FIXTURE,
    async handler(_input, ctx) {
      for (const progress of [0, 50, 100]) {
        if (progress > 0) await sleep(50, undefined, { signal: ctx.signal });
        await ctx.progress({ progress, total: 100, message: `Completed step ${progress} of 100` });
      }
      return "Tool with progress executed successfully";
    },
  }),
  defineTool({
    name: "test_error_handling",
    title: "Always fails",
    description: "Always fails, to check how errors reach the client.",
    input: noInput,
    annotations: FIXTURE,
    async handler(): Promise<never> {
      throw new ToolError("internal", "This tool intentionally returns an error for testing");
    },
  }),
  defineTool({
    name: "test_sampling",
    title: "Sampling",
    description:
      "Asks the client's model to answer a prompt (sampling/createMessage) and returns the answer.",
    input: z.object({ prompt: z.string().describe("The prompt to send to the LLM.") }),
    annotations: INTERACTIVE,
    async handler(input, ctx) {
      const client = requireClient(ctx, "sampling");
      const result = await client.createMessage({
        messages: [{ role: "user", content: { type: "text", text: input.prompt } }],
        maxTokens: 100,
      });
      const content = result["content"] as { type?: string; text?: string } | undefined;
      return `LLM response: ${content?.text ?? "(no text)"}`;
    },
  }),
  defineTool({
    name: "test_elicitation",
    title: "Elicitation",
    description: "Asks the user for a username and an email (elicitation/create) and returns the answer.",
    input: z.object({ message: z.string().describe("The message to show the user.") }),
    annotations: INTERACTIVE,
    async handler(input, ctx) {
      const result = await requireClient(ctx, "elicitation").elicit({
        message: input.message,
        requestedSchema: {
          type: "object",
          properties: {
            username: { type: "string", description: "User's response" },
            email: { type: "string", description: "User's email address" },
          },
          required: ["username", "email"],
        },
      });
      return `User response: action=${String(result["action"])}, content=${JSON.stringify(result["content"] ?? {})}`;
    },
  }),
  defineTool({
    name: "test_elicitation_sep1034_defaults",
    title: "Elicitation with defaults",
    description: "Elicits a form whose fields all carry default values (SEP-1034).",
    input: noInput,
    annotations: INTERACTIVE,
    async handler(_input, ctx) {
      const result = await requireClient(ctx, "elicitation").elicit({
        message: "Please review and update the form fields with defaults",
        requestedSchema: {
          type: "object",
          properties: {
            name: { type: "string", description: "User name", default: "John Doe" },
            age: { type: "integer", description: "User age", default: 30 },
            score: { type: "number", description: "User score", default: 95.5 },
            status: {
              type: "string",
              description: "User status",
              enum: ["active", "inactive", "pending"],
              default: "active",
            },
            verified: { type: "boolean", description: "Verification status", default: true },
          },
          required: [],
        },
      });
      return `Elicitation completed: action=${String(result["action"])}, content=${JSON.stringify(result["content"] ?? {})}`;
    },
  }),
  defineTool({
    name: "test_elicitation_sep1330_enums",
    title: "Elicitation with enums",
    description: "Elicits a form with the five enum variants of SEP-1330.",
    input: noInput,
    annotations: INTERACTIVE,
    async handler(_input, ctx) {
      const titled = (prefix: string, names: string[]) =>
        names.map((title, i) => ({ const: `${prefix}${i + 1}`, title }));
      const result = await requireClient(ctx, "elicitation").elicit({
        message: "Please select options from the enum fields",
        requestedSchema: {
          type: "object",
          properties: {
            untitledSingle: {
              type: "string",
              description: "Select one option",
              enum: ["option1", "option2", "option3"],
            },
            titledSingle: {
              type: "string",
              description: "Select one option with titles",
              oneOf: titled("value", ["First Option", "Second Option", "Third Option"]),
            },
            legacyEnum: {
              type: "string",
              description: "Select one option (legacy)",
              enum: ["opt1", "opt2", "opt3"],
              enumNames: ["Option One", "Option Two", "Option Three"],
            },
            untitledMulti: {
              type: "array",
              description: "Select multiple options",
              minItems: 1,
              maxItems: 3,
              items: { type: "string", enum: ["option1", "option2", "option3"] },
            },
            titledMulti: {
              type: "array",
              description: "Select multiple options with titles",
              minItems: 1,
              maxItems: 3,
              items: { anyOf: titled("value", ["First Choice", "Second Choice", "Third Choice"]) },
            },
          },
          required: [],
        },
      });
      return `Elicitation completed: action=${String(result["action"])}, content=${JSON.stringify(result["content"] ?? {})}`;
    },
  }),
  defineTool({
    name: "json_schema_2020_12_tool",
    title: "JSON Schema 2020-12 input",
    description: "Advertises an input schema with $schema, $defs and additionalProperties (SEP-1613).",
    input: z
      .object({
        name: z.string().optional().describe("A name."),
        address: z
          .object({
            street: z.string().optional().describe("Street."),
            city: z.string().optional().describe("City."),
          })
          .optional()
          .describe("An address."),
      })
      .strict(),
    inputJsonSchema: {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      $defs: {
        address: {
          type: "object",
          properties: { street: { type: "string" }, city: { type: "string" } },
        },
      },
      properties: { name: { type: "string" }, address: { $ref: "#/$defs/address" } },
      additionalProperties: false,
    },
    annotations: FIXTURE,
    async handler(input) {
      return `JSON Schema 2020-12 tool called with: ${JSON.stringify(input)}`;
    },
  }),
  defineTool({
    name: "test_reconnection",
    title: "SSE reconnection",
    description:
      "Closes the call's SSE stream mid-call (Streamable HTTP with resumability), then answers: the client must reconnect with Last-Event-ID to get the result (SEP-1699).",
    input: noInput,
    annotations: FIXTURE,
    async handler(_input, ctx) {
      ctx.client?.closeSSEStream?.();
      await sleep(100, undefined, { signal: ctx.signal });
      return "Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.";
    },
  }),
  defineTool({
    name: "test_wait_for_cancel",
    title: "Wait until cancelled",
    description:
      "Reports progress once, then waits until the client cancels the call (or seconds pass); used to check cancellation end to end.",
    input: z.object({
      seconds: z.number().int().min(1).max(60).default(30).describe("Longest wait in seconds."),
    }),
    annotations: FIXTURE,
    async handler(input, ctx) {
      await ctx.progress({ progress: 0, message: "waiting for cancellation" });
      await sleep(input.seconds * 1000, undefined, { signal: ctx.signal });
      return "not cancelled";
    },
  }),
] as Tool[];

const text = (uri: string, mimeType: string, body: string) => [{ uri, mimeType, text: body }];

const resources: Resource[] = [
  {
    uri: "test://static-text",
    name: "static-text",
    title: "Static Text Resource",
    description: "A static text resource for testing",
    mimeType: "text/plain",
    read: async () =>
      text("test://static-text", "text/plain", "This is the content of the static text resource."),
  },
  {
    uri: "test://static-binary",
    name: "static-binary",
    title: "Static Binary Resource",
    description: "A static binary resource (image) for testing",
    mimeType: "image/png",
    read: async () => [{ uri: "test://static-binary", mimeType: "image/png", blob: TEST_IMAGE_BASE64 }],
  },
  {
    uri: "test://watched-resource",
    name: "watched-resource",
    title: "Watched Resource",
    description: "A resource clients can subscribe to",
    mimeType: "text/plain",
    read: async () => text("test://watched-resource", "text/plain", "Watched resource content"),
  },
];

const resourceTemplates: ResourceTemplate[] = [
  {
    uriTemplate: "test://template/{id}/data",
    name: "template",
    title: "Resource Template",
    description: "A resource template with parameter substitution",
    mimeType: "application/json",
    read: async (uri, vars) =>
      text(
        uri,
        "application/json",
        JSON.stringify({ id: vars["id"], templateTest: true, data: `Data for ID: ${vars["id"]}` }),
      ),
    complete: async (_variable, value) => ["123", "456", "789"].filter((v) => v.startsWith(value)),
  },
];

const prompts: Prompt[] = [
  {
    name: "test_simple_prompt",
    title: "Simple Test Prompt",
    description: "A simple prompt without arguments",
    get: async () => ({
      messages: [{ role: "user", content: { type: "text", text: "This is a simple prompt for testing." } }],
    }),
  },
  {
    name: "test_prompt_with_arguments",
    title: "Prompt With Arguments",
    description: "A prompt with required arguments",
    arguments: [
      { name: "arg1", description: "First test argument", required: true },
      { name: "arg2", description: "Second test argument", required: true },
    ],
    get: async (args) => ({
      messages: [
        {
          role: "user",
          content: {
            type: "text",
            text: `Prompt with arguments: arg1='${args["arg1"]}', arg2='${args["arg2"]}'`,
          },
        },
      ],
    }),
    complete: async (_argument, value) =>
      ["paris", "park", "party", "test", "testing"].filter((v) => v.startsWith(value)),
  },
  {
    name: "test_prompt_with_embedded_resource",
    title: "Prompt With Embedded Resource",
    description: "A prompt that includes an embedded resource",
    arguments: [{ name: "resourceUri", description: "URI of the resource to embed", required: true }],
    get: async (args) => ({
      messages: [
        {
          role: "user",
          content: {
            type: "resource",
            resource: {
              uri: args["resourceUri"],
              mimeType: "text/plain",
              text: "Embedded resource content for testing.",
            },
          },
        },
        { role: "user", content: { type: "text", text: "Please process the embedded resource above." } },
      ],
    }),
  },
  {
    name: "test_prompt_with_image",
    title: "Prompt With Image",
    description: "A prompt that includes image content",
    get: async () => ({
      messages: [
        { role: "user", content: { type: "image", data: TEST_IMAGE_BASE64, mimeType: "image/png" } },
        { role: "user", content: { type: "text", text: "Please analyze the image above." } },
      ],
    }),
  },
];

export const conformanceToolset = defineToolset({
  name: "conformance",
  description: "Test-only fixtures the MCP conformance suite calls by name.",
  tools,
  resources,
  resourceTemplates,
  prompts,
});

export const toolsets = [conformanceToolset];
