/** Reports: a Script or Query Report run with filters, as rows keyed by column. */
import { z } from "zod";
import { REMOTE_READ } from "../../mcp/tool.js";
import { api, type Obj, tool } from "./common.js";

interface Column {
  fieldname: string;
  label: string;
  fieldtype: string;
}

/** Frappe's columns are objects or "Label:Fieldtype/Options:Width" strings. */
function columnOf(c: unknown, i: number): Column {
  if (typeof c === "string") {
    const [label = `Column ${i + 1}`, type = "Data"] = c.split(":");
    const fieldtype = type.split("/")[0] || "Data";
    return { fieldname: label.toLowerCase().replace(/\W+/g, "_"), label, fieldtype };
  }
  const o = (c ?? {}) as Obj;
  const label = String(o["label"] ?? o["fieldname"] ?? `Column ${i + 1}`);
  return {
    fieldname: String(o["fieldname"] ?? label.toLowerCase().replace(/\W+/g, "_")),
    label,
    fieldtype: String(o["fieldtype"] ?? "Data"),
  };
}

export const frappeRunReport = tool({
  name: "frappe_run_report",
  title: "Run a Frappe report",
  description:
    "Run a Script or Query Report (e.g. General Ledger, Stock Balance, Accounts Receivable) with its filters; returns the columns and the rows keyed by column fieldname.",
  input: z.object({
    report_name: z.string().min(1).max(140).describe("The report's name, as in the desk."),
    filters: z.record(z.unknown()).default({}).describe('Report filters, e.g. {"company": "Acme"}.'),
    max_rows: z.number().int().min(1).max(5000).default(500).describe("Most rows returned."),
  }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const res = await api(ctx, "POST", "api/method/frappe.desk.query_report.run", {
      body: { report_name: input.report_name, filters: input.filters, ignore_prepared_report: true },
    });
    const message = (res["message"] ?? {}) as Obj;
    const columns = ((message["columns"] as unknown[] | undefined) ?? []).map(columnOf);
    const result = (message["result"] as unknown[] | undefined) ?? [];
    const rows = result
      .slice(0, input.max_rows)
      .map((r) =>
        Array.isArray(r)
          ? Object.fromEntries(columns.map((c, i) => [c.fieldname, r[i] ?? null]))
          : (r as Obj),
      );
    return {
      report_name: input.report_name,
      columns,
      rows,
      total_rows: result.length,
      ...(result.length > rows.length
        ? { note: `${result.length} rows; the first ${rows.length} are shown (raise max_rows for more)` }
        : {}),
      ...(message["message"] ? { message: message["message"] } : {}),
    };
  },
});
