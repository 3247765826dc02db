/** Documents: list, get, create, update, delete; and whitelisted methods. */
import { z } from "zod";
import { ToolError } from "../../core/errors.js";
import { limitIn } from "../../mcp/fragments.js";
import { REMOTE_DESTRUCTIVE, REMOTE_OVERWRITE, REMOTE_READ, REMOTE_WRITE } from "../../mcp/tool.js";
import { api, dataOf, docName, doctype, type Obj, resource, tool } from "./common.js";

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
    "List documents of a DocType with filters, chosen fields, ordering and paging (start, next_start). docstatus is a field too: 0 draft, 1 submitted, 2 cancelled.",
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
    return dataOf(await api(ctx, "GET", resource(input.doctype, input.name)));
  },
});

export const frappeCreateDoc = tool({
  name: "frappe_create_doc",
  title: "Create a Frappe document",
  description:
    "Create a document of a DocType from its fields (a draft); mandatory fields and links are checked by the site. Submit it with frappe_submit_doc.",
  input: z.object({ doctype, doc: z.record(z.unknown()).describe("The document's fields.") }),
  annotations: REMOTE_WRITE,
  async handler(input, ctx) {
    const data = dataOf(await api(ctx, "POST", resource(input.doctype), { body: input.doc }));
    return { doctype: input.doctype, name: data["name"], doc: data };
  },
});

export const frappeUpdateDoc = tool({
  name: "frappe_update_doc",
  title: "Update a Frappe document",
  description:
    "Change some fields of a document; the others stay as they are. A submitted document takes only its allow-on-submit fields; a cancelled one nothing (amend it).",
  input: z.object({ doctype, name: docName, changes: z.record(z.unknown()).describe("Fields to set.") }),
  annotations: REMOTE_OVERWRITE,
  async handler(input, ctx) {
    if (Object.keys(input.changes).length === 0) {
      throw new ToolError("validation", "nothing to change: give at least one field in changes");
    }
    if ("docstatus" in input.changes) {
      throw new ToolError(
        "validation",
        "docstatus is not changed here: use frappe_submit_doc, frappe_cancel_doc or frappe_amend_doc",
      );
    }
    const data = dataOf(await api(ctx, "PUT", resource(input.doctype, input.name), { body: input.changes }));
    return { doctype: input.doctype, name: data["name"], doc: data };
  },
});

export const frappeDeleteDoc = tool({
  name: "frappe_delete_doc",
  title: "Delete a Frappe document",
  description:
    "Delete a document (the site refuses when other documents link to it, or while it is submitted: cancel it first).",
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
