/** A DocType's metadata: its fields, what they link to, who may do what, and whether it is submittable. */
import { z } from "zod";
import { REMOTE_READ } from "../../mcp/tool.js";
import { api, doctype, type Obj, tool } from "./common.js";

const RIGHTS = ["read", "write", "create", "delete", "submit", "cancel", "amend", "report"] as const;

export const frappeGetDoctype = tool({
  name: "frappe_get_doctype",
  title: "Describe a Frappe DocType",
  description:
    "A DocType's metadata: its fields (type, label, mandatory, options), the DocTypes its Link and Table fields point to, its role permissions, and whether its documents are submitted and cancelled (docstatus). Read it before creating documents.",
  input: z.object({
    doctype,
    include_layout: z
      .boolean()
      .default(false)
      .describe("Also list layout fields (Section Break, Column Break, Tab Break, HTML)."),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    // getdoctype is what the desk loads: any user who may read the DocType gets it (the DocType
    // resource needs System Manager).
    const res = await api(ctx, "GET", "api/method/frappe.desk.form.load.getdoctype", {
      query: { doctype: input.doctype },
    });
    const docs = (res["docs"] as Obj[] | undefined) ?? [];
    const meta = docs.find((d) => d["name"] === input.doctype) ?? docs[0] ?? {};
    const layout = /^(Section Break|Column Break|Tab Break|HTML|Fold|Heading|Button)$/;
    const fields = ((meta["fields"] as Obj[] | undefined) ?? [])
      .filter((f) => input.include_layout || !layout.test(String(f["fieldtype"] ?? "")))
      .map((f) => ({
        fieldname: f["fieldname"],
        label: f["label"] ?? null,
        fieldtype: f["fieldtype"],
        ...(f["options"] ? { options: f["options"] } : {}),
        reqd: f["reqd"] === 1,
        ...(f["allow_on_submit"] === 1 ? { allow_on_submit: true } : {}),
        ...(f["read_only"] === 1 ? { read_only: true } : {}),
      }));
    const links = fields
      .filter((f) => ["Link", "Table", "Table MultiSelect"].includes(String(f.fieldtype)) && f.options)
      .map((f) => ({ fieldname: f.fieldname, fieldtype: f.fieldtype, doctype: f.options }));
    const permissions = ((meta["permissions"] as Obj[] | undefined) ?? []).map((p) => ({
      role: p["role"],
      permlevel: p["permlevel"] ?? 0,
      rights: RIGHTS.filter((r) => p[r] === 1),
    }));
    return {
      doctype: input.doctype,
      module: meta["module"] ?? null,
      is_submittable: meta["is_submittable"] === 1,
      istable: meta["istable"] === 1,
      fields,
      links,
      permissions,
      child_tables: docs.filter((d) => d !== meta).map((d) => d["name"]),
    };
  },
});
