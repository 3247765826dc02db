/**
 * A submittable document's life cycle (docstatus): draft (0) -> submitted (1) -> cancelled (2), and the
 * amendment of a cancelled document into a new draft named `<name>-1` with `amended_from`.
 *
 * Submitting goes through `frappe.client.submit` with the document as read (so the site's timestamp check
 * catches a change made in between), cancelling through `frappe.client.cancel`; Frappe checks the
 * transition and the submit/cancel permissions. An amendment is what the desk's Amend button does: a copy
 * of the cancelled document without its identity, inserted with `amended_from` (the site names it).
 */
import { z } from "zod";
import { ToolError } from "../../core/errors.js";
import { REMOTE_OVERWRITE, REMOTE_UPDATE, REMOTE_WRITE } from "../../mcp/tool.js";
import { api, type Ctx, DOCSTATUS, dataOf, docName, doctype, type Obj, resource, tool } from "./common.js";

const getDoc = async (ctx: Ctx, dt: string, name: string) =>
  dataOf(await api(ctx, "GET", resource(dt, name)));

const statusOf = (doc: Obj) => Number(doc["docstatus"] ?? 0);

/** Fields Frappe sets itself: not copied into an amendment. */
const IDENTITY = new Set([
  "name",
  "owner",
  "creation",
  "modified",
  "modified_by",
  "docstatus",
  "idx",
  "amended_from",
  "parent",
  "parentfield",
  "parenttype",
]);

function copyForAmendment(doc: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(doc)) {
    if (IDENTITY.has(k) || k.startsWith("_")) continue;
    // Child table rows lose their identity too; the site gives them new names.
    out[k] = Array.isArray(v)
      ? v.map((row) =>
          row && typeof row === "object"
            ? Object.fromEntries(Object.entries(row as Obj).filter(([rk]) => !IDENTITY.has(rk)))
            : row,
        )
      : v;
  }
  return out;
}

export const frappeSubmitDoc = tool({
  name: "frappe_submit_doc",
  title: "Submit a Frappe document",
  description:
    "Submit a draft document of a submittable DocType (docstatus 0 -> 1): it becomes final; only its allow-on-submit fields can change afterwards.",
  input: z.object({ doctype, name: docName }),
  annotations: REMOTE_UPDATE,
  async handler(input, ctx) {
    const doc = await getDoc(ctx, input.doctype, input.name);
    const status = statusOf(doc);
    if (status !== 0) {
      throw new ToolError(
        "conflict",
        `${input.doctype} ${input.name} is ${DOCSTATUS[status] ?? `docstatus ${status}`}, not a draft: only drafts can be submitted${status === 2 ? " (amend it with frappe_amend_doc for a new draft)" : ""}`,
      );
    }
    const res = await api(ctx, "POST", "api/method/frappe.client.submit", { body: { doc } });
    const submitted = (res["message"] ?? {}) as Obj;
    return { doctype: input.doctype, name: input.name, docstatus: statusOf(submitted), doc: submitted };
  },
});

export const frappeCancelDoc = tool({
  name: "frappe_cancel_doc",
  title: "Cancel a Frappe document",
  description:
    "Cancel a submitted document (docstatus 1 -> 2). A cancelled document cannot be edited; amend it (frappe_amend_doc) for a corrected copy.",
  input: z.object({ doctype, name: docName }),
  annotations: REMOTE_OVERWRITE,
  async handler(input, ctx) {
    const res = await api(ctx, "POST", "api/method/frappe.client.cancel", {
      body: { doctype: input.doctype, name: input.name },
    });
    const cancelled =
      res["message"] && typeof res["message"] === "object" ? (res["message"] as Obj) : undefined;
    return {
      doctype: input.doctype,
      name: input.name,
      docstatus: cancelled ? statusOf(cancelled) : 2,
    };
  },
});

export const frappeAmendDoc = tool({
  name: "frappe_amend_doc",
  title: "Amend a cancelled Frappe document",
  description:
    "Make a new draft from a cancelled document, with changes applied: the site names it <name>-1 (then -2, ...) and records amended_from. Submit it with frappe_submit_doc.",
  input: z.object({
    doctype,
    name: docName,
    changes: z.record(z.unknown()).default({}).describe("Fields to set on the new draft."),
  }),
  annotations: REMOTE_WRITE,
  async handler(input, ctx) {
    const doc = await getDoc(ctx, input.doctype, input.name);
    const status = statusOf(doc);
    if (status !== 2) {
      throw new ToolError(
        "conflict",
        `${input.doctype} ${input.name} is ${DOCSTATUS[status] ?? `docstatus ${status}`}: only a cancelled document can be amended${status === 1 ? " (cancel it first with frappe_cancel_doc)" : " (change the draft with frappe_update_doc)"}`,
      );
    }
    const body = { ...copyForAmendment(doc), ...input.changes, amended_from: input.name };
    const made = dataOf(await api(ctx, "POST", resource(input.doctype), { body }));
    return { doctype: input.doctype, name: made["name"], amended_from: input.name, doc: made };
  },
});
