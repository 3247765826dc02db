/**
 * The frappe toolset: documents of a Frappe / ERPNext site (customers, sales orders, items, any doctype)
 * through its REST API: list with filters, get, create, update, delete, and whitelisted methods. Token
 * auth (`FRAPPE_API_KEY` + `FRAPPE_API_SECRET` of an integration user: the site's own permissions apply).
 * Frappe's errors keep their messages (`_server_messages`), mapped to the error shape of docs/architecture.md.
 */

import { fetch as undiciFetch } from "undici";
import { z } from "zod";
import { type Config, missingSettings } from "../../core/config.js";
import { type ErrorType, httpError, retryAfterSeconds, ToolError } from "../../core/errors.js";
import { type Breaker, createBreaker } from "../../core/resilience.js";
import { limitIn } from "../../mcp/fragments.js";
import {
  defineToolset,
  REMOTE_DESTRUCTIVE,
  REMOTE_OVERWRITE,
  REMOTE_READ,
  REMOTE_WRITE,
  type ToolContext,
  toolFor,
} from "../../mcp/tool.js";

const tool = toolFor<FrappeDeps>();

type Obj = Record<string, unknown>;
interface FrappeDeps {
  site: string;
  authorization: string;
  breaker: Breaker;
}
type Ctx = ToolContext<FrappeDeps>;

const doctype = z
  .string()
  .min(1)
  .max(140)
  .regex(/^[A-Za-z][\w ]*$/, "a DocType name like Customer or Sales Order")
  .describe("DocType, e.g. Customer, Sales Order, Item.");
const docName = z
  .string()
  .min(1)
  .max(140)
  .describe("The document's name (its id, e.g. SO-00042 or the customer name).");

export function missingFrappeCredentials(frappe: Config["frappe"]): string | undefined {
  return missingSettings("Frappe", {
    FRAPPE_URL: frappe.url,
    FRAPPE_API_KEY: frappe.apiKey,
    FRAPPE_API_SECRET: frappe.apiSecret,
  });
}

const TYPES: Record<string, ErrorType> = {
  AuthenticationError: "auth",
  PermissionError: "forbidden",
  DoesNotExistError: "not_found",
  DuplicateEntryError: "conflict",
  TimestampMismatchError: "conflict",
  ValidationError: "validation",
  MandatoryError: "validation",
  LinkValidationError: "validation",
  CharacterLengthExceededError: "validation",
};

/** Frappe's messages: `_server_messages` is a JSON list of JSON objects with a `message`. */
function messagesOf(body: Obj): string {
  try {
    const list = JSON.parse(String(body["_server_messages"] ?? "[]")) as string[];
    const msgs = list.map((m) => String((JSON.parse(m) as Obj)["message"] ?? m).replace(/<[^>]+>/g, ""));
    if (msgs.length > 0) return msgs.join("; ");
  } catch {
    // fall through to the exception text
  }
  return String(body["exception"] ?? body["exc_type"] ?? "").replace(/^frappe\.exceptions\.\w+: /, "");
}

async function api(
  ctx: Ctx,
  method: string,
  path: string,
  options: { query?: Obj; body?: unknown } = {},
): Promise<Obj> {
  const { site, authorization, breaker } = ctx.deps;
  const url = new URL(path, `${site}/`);
  for (const [k, v] of Object.entries(options.query ?? {})) {
    if (v !== undefined) url.searchParams.set(k, typeof v === "string" ? v : JSON.stringify(v));
  }
  return breaker.execute(async () => {
    const res = await undiciFetch(url, {
      method,
      signal: ctx.signal,
      headers: {
        authorization,
        accept: "application/json",
        ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
    }).catch((err: unknown) => {
      if (ctx.signal.aborted) throw err;
      throw new ToolError("upstream", `Frappe is unreachable: ${(err as Error).message}`, { cause: err });
    });
    const text = await res.text();
    let body: Obj = {};
    try {
      body = text ? (JSON.parse(text) as Obj) : {};
    } catch {
      body = { exception: text.slice(0, 200) };
    }
    if (res.ok) return body;
    const exc = String(body["exc_type"] ?? "");
    throw httpError({
      service: "Frappe",
      status: res.status,
      kind: exc || undefined,
      message: messagesOf(body) || res.statusText,
      retryAfterS: retryAfterSeconds(res.headers.get("retry-after")),
      type: TYPES[exc],
    });
  });
}

const resource = (dt: string, name?: string) =>
  `api/resource/${encodeURIComponent(dt)}${name === undefined ? "" : `/${encodeURIComponent(name)}`}`;

const filterIn = z
  .union([
    z.array(
      z.tuple([z.string(), z.enum(["=", "!=", ">", "<", ">=", "<=", "like", "in", "not in"]), z.unknown()]),
    ),
    z.record(z.unknown()),
  ])
  .describe('Filters: [["status", "=", "Open"], ["grand_total", ">", 1000]] or {"status": "Open"}.');

export const frappeListDocs = tool({
  name: "frappe_list_docs",
  title: "List Frappe documents",
  description:
    "List documents of a DocType with filters, chosen fields, ordering and paging (start, next_start).",
  input: z.object({
    doctype,
    fields: z
      .array(z.string().regex(/^[\w*.` ]+$/))
      .max(50)
      .default(["name"])
      .describe('Fields to return ("*" for all).'),
    filters: filterIn.optional(),
    order_by: z
      .string()
      .regex(/^\w+( (asc|desc))?$/i, "a field, then asc or desc")
      .default("modified desc")
      .describe("Ordering."),
    limit: limitIn(500, 20, "Documents per page."),
    start: z.number().int().min(0).default(0).describe("Offset (next_start of the previous page)."),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const res = await api(ctx, "GET", resource(input.doctype), {
      query: {
        fields: input.fields,
        filters: input.filters,
        order_by: input.order_by,
        limit_start: String(input.start),
        limit_page_length: String(input.limit),
      },
    });
    const docs = (res["data"] as Obj[] | undefined) ?? [];
    return {
      doctype: input.doctype,
      docs,
      next_start: docs.length === input.limit ? input.start + docs.length : null,
    };
  },
});

export const frappeGetDoc = tool({
  name: "frappe_get_doc",
  title: "Get a Frappe document",
  description: "One document with all its fields (and child tables).",
  input: z.object({ doctype, name: docName }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    return (await api(ctx, "GET", resource(input.doctype, input.name)))["data"] as Obj;
  },
});

export const frappeCreateDoc = tool({
  name: "frappe_create_doc",
  title: "Create a Frappe document",
  description:
    "Create a document of a DocType from its fields; mandatory fields and links are checked by the site.",
  input: z.object({ doctype, doc: z.record(z.unknown()).describe("The document's fields.") }),
  annotations: REMOTE_WRITE,
  async handler(input, ctx) {
    const data = (await api(ctx, "POST", resource(input.doctype), { body: input.doc }))["data"] as Obj;
    return { doctype: input.doctype, name: data["name"], doc: data };
  },
});

export const frappeUpdateDoc = tool({
  name: "frappe_update_doc",
  title: "Update a Frappe document",
  description: "Change some fields of a document; the others stay as they are.",
  input: z.object({ doctype, name: docName, changes: z.record(z.unknown()).describe("Fields to set.") }),
  annotations: REMOTE_OVERWRITE,
  async handler(input, ctx) {
    if (Object.keys(input.changes).length === 0) {
      throw new ToolError("validation", "nothing to change: give at least one field in changes");
    }
    const data = (await api(ctx, "PUT", resource(input.doctype, input.name), { body: input.changes }))[
      "data"
    ] as Obj;
    return { doctype: input.doctype, name: data["name"], doc: data };
  },
});

export const frappeDeleteDoc = tool({
  name: "frappe_delete_doc",
  title: "Delete a Frappe document",
  description: "Delete a document (the site refuses when other documents link to it, or for submitted ones).",
  input: z.object({ doctype, name: docName }),
  annotations: REMOTE_OVERWRITE,
  async handler(input, ctx) {
    await api(ctx, "DELETE", resource(input.doctype, input.name));
    return { doctype: input.doctype, name: input.name, deleted: true };
  },
});

export const frappeCallMethod = tool({
  name: "frappe_call_method",
  title: "Call a Frappe method",
  description:
    "Call a whitelisted server method (e.g. frappe.client.get_count) with arguments; GET for reads, POST for methods that change things.",
  input: z.object({
    method: z
      .string()
      .regex(/^[a-z_]\w*(\.[a-z_]\w*)+$/i, "a dotted method path")
      .describe("Dotted method path."),
    args: z.record(z.unknown()).default({}).describe("Arguments."),
    http_method: z.enum(["GET", "POST"]).default("POST").describe("GET for read-only methods."),
  }),
  annotations: REMOTE_DESTRUCTIVE,
  async handler(input, ctx) {
    const path = `api/method/${input.method}`;
    const res =
      input.http_method === "GET"
        ? await api(ctx, "GET", path, { query: input.args })
        : await api(ctx, "POST", path, { body: input.args });
    return { method: input.method, message: res["message"] ?? null };
  },
});

export const frappeToolset = defineToolset<FrappeDeps>({
  name: "frappe",
  description:
    "Frappe / ERPNext documents: list, get, create, update, delete, and whitelisted methods (FRAPPE_URL + API key).",
  tools: [frappeListDocs, frappeGetDoc, frappeCreateDoc, frappeUpdateDoc, frappeDeleteDoc, frappeCallMethod],
  unavailable: (config) => missingFrappeCredentials(config.frappe),
  init: (services) => {
    const { url, apiKey, apiSecret } = services.config.frappe;
    const site = url!.replace(/\/+$/, "");
    return {
      site,
      authorization: `token ${apiKey}:${apiSecret}`,
      breaker: createBreaker(`Frappe (${site})`, {
        failures: services.config.server.breakerFailures,
        cooldownMs: services.config.server.breakerCooldownS * 1000,
        onChange: (state) => services.log.warn({ state }, `Frappe circuit ${state}`),
      }),
    };
  },
});
