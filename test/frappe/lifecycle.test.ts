/**
 * The frappe toolset's depth, over real HTTP against the Frappe emulator: DocType metadata (fields, links,
 * permissions), the docstatus life cycle (submit, update after submit, cancel, amend) with Frappe's own
 * transition errors, role permissions, file attachments (multipart upload_file) and reports
 * (frappe.desk.query_report.run). The Frappe client is the process's one, reached through a fetch that
 * only knows loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultClientFactories } from "../../src/clients.js";
import { DEMO_FRAPPE_SEED } from "../../src/emulators/frappe/demo.js";
import { createFrappeEmulator, type FrappeEmulator } from "../../src/emulators/frappe/server.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

type Obj = Record<string, unknown>;

const env = (emu: FrappeEmulator, key: string, secret: string) => ({
  REPOWRIGHT_TOOLSETS: "frappe",
  FRAPPE_URL: emu.url,
  FRAPPE_API_KEY: key,
  FRAPPE_API_SECRET: secret,
});

describe("frappe: metadata, docstatus, permissions, files and reports", () => {
  let emu: FrappeEmulator;
  let admin: TestApp;
  let sales: TestApp;
  let built = 0;
  const ok = async (app: TestApp, name: string, args: Obj) => {
    const r = await app.call(name, args);
    if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.data)}`);
    return r.data as Obj;
  };
  const fails = async (app: TestApp, name: string, args: Obj) => {
    const r = await app.call(name, args);
    expect(r.isError, `${name} ${JSON.stringify(args)} should fail`).toBe(true);
    return r.data as Obj;
  };

  beforeAll(async () => {
    emu = await createFrappeEmulator();
    emu.seed(DEMO_FRAPPE_SEED);
    admin = await startTestApp({
      env: env(emu, "demo-key", "demo-secret"),
      clientFactories: {
        frappe: (o) => {
          built++;
          return defaultClientFactories.frappe(o);
        },
      },
    });
    sales = await startTestApp({ env: env(emu, "sales-key", "sales-secret") });
  });
  afterAll(async () => {
    await admin?.close();
    await sales?.close();
    await emu?.close();
  });

  it("describes a DocType: fields, links, permissions, submittable", async () => {
    const meta = await ok(sales, "frappe_get_doctype", { doctype: "Sales Order" });
    expect(meta).toMatchObject({ doctype: "Sales Order", module: "Selling", is_submittable: true });
    expect(meta["fields"]).toContainEqual({
      fieldname: "customer",
      label: "Customer",
      fieldtype: "Link",
      options: "Customer",
      reqd: true,
    });
    expect(meta["fields"]).toContainEqual(
      expect.objectContaining({ fieldname: "po_no", allow_on_submit: true, reqd: false }),
    );
    expect(meta["links"]).toEqual([
      { fieldname: "customer", fieldtype: "Link", doctype: "Customer" },
      { fieldname: "amended_from", fieldtype: "Link", doctype: "Sales Order" },
    ]);
    expect(meta["permissions"]).toContainEqual({
      role: "Sales User",
      permlevel: 0,
      rights: ["read", "write", "create", "submit", "report"],
    });
    const customer = await ok(admin, "frappe_get_doctype", { doctype: "Customer" });
    expect(customer["is_submittable"]).toBe(false);
    expect(await fails(admin, "frappe_get_doctype", { doctype: "Spaceship" })).toMatchObject({
      type: "not_found",
      status_code: 404,
    });
  });

  it("submits a draft, takes only allow-on-submit changes after, cancels, and amends to NAME-1, NAME-2", async () => {
    const made = await ok(sales, "frappe_create_doc", {
      doctype: "Sales Order",
      doc: { customer: "Globex", grand_total: 500, status: "Draft" },
    });
    const name = String(made["name"]);
    expect(made["doc"]).toMatchObject({ docstatus: 0 });
    // Cancelling a draft is Frappe's 0 -> 2 transition error.
    const early = await fails(admin, "frappe_cancel_doc", { doctype: "Sales Order", name });
    expect(early).toMatchObject({ type: "conflict", status_code: 417 });
    expect(String(early["error"])).toContain(
      "(DocstatusTransitionError): Cannot change docstatus from 0 (Draft) to 2 (Cancelled)",
    );

    const submitted = await ok(sales, "frappe_submit_doc", { doctype: "Sales Order", name });
    expect(submitted).toMatchObject({ name, docstatus: 1 });
    const again = await fails(sales, "frappe_submit_doc", { doctype: "Sales Order", name });
    expect(again).toMatchObject({ type: "conflict" });
    expect(String(again["error"])).toContain("is submitted, not a draft");

    // After submit: an allow-on-submit field may change, another may not.
    await ok(sales, "frappe_update_doc", { doctype: "Sales Order", name, changes: { po_no: "PO-77" } });
    const locked = await fails(sales, "frappe_update_doc", {
      doctype: "Sales Order",
      name,
      changes: { grand_total: 1 },
    });
    expect(locked).toMatchObject({ type: "conflict", status_code: 417 });
    expect(String(locked["error"])).toContain(
      "(UpdateAfterSubmitError): Not allowed to change Grand Total after submission from 500 to 1",
    );
    // Deleting a submitted document is refused; the Sales User may not cancel.
    const del = await fails(admin, "frappe_delete_doc", { doctype: "Sales Order", name });
    expect(String(del["error"])).toContain("Submitted Record cannot be deleted");
    const noCancel = await fails(sales, "frappe_cancel_doc", { doctype: "Sales Order", name });
    expect(noCancel).toMatchObject({ type: "forbidden", status_code: 403 });

    expect(await ok(admin, "frappe_cancel_doc", { doctype: "Sales Order", name })).toEqual({
      doctype: "Sales Order",
      name,
      docstatus: 2,
    });
    const edit = await fails(admin, "frappe_update_doc", {
      doctype: "Sales Order",
      name,
      changes: { po_no: "PO-78" },
    });
    expect(String(edit["error"])).toContain("Cannot edit cancelled document");

    const amended = await ok(admin, "frappe_amend_doc", {
      doctype: "Sales Order",
      name,
      changes: { grand_total: 450 },
    });
    expect(amended).toMatchObject({ name: `${name}-1`, amended_from: name });
    expect(await ok(admin, "frappe_get_doc", { doctype: "Sales Order", name: `${name}-1` })).toMatchObject({
      customer: "Globex",
      grand_total: 450,
      po_no: "PO-77",
      docstatus: 0,
      amended_from: name,
    });
    // Amending needs a cancelled document: the new draft cannot be amended yet.
    expect(
      await fails(admin, "frappe_amend_doc", { doctype: "Sales Order", name: `${name}-1` }),
    ).toMatchObject({
      type: "conflict",
    });
    await ok(admin, "frappe_submit_doc", { doctype: "Sales Order", name: `${name}-1` });
    await ok(admin, "frappe_cancel_doc", { doctype: "Sales Order", name: `${name}-1` });
    const second = await ok(admin, "frappe_amend_doc", { doctype: "Sales Order", name: `${name}-1` });
    expect(second).toMatchObject({ name: `${name}-2`, amended_from: `${name}-1` });

    // A DocType that is not submittable cannot be submitted.
    const customer = await fails(admin, "frappe_submit_doc", { doctype: "Customer", name: "Globex" });
    expect(customer).toMatchObject({ type: "validation", status_code: 417 });
  });

  it("checks links and permissions as the site does", async () => {
    const badLink = await fails(admin, "frappe_create_doc", {
      doctype: "Sales Order",
      doc: { customer: "Nobody Ltd" },
    });
    expect(badLink).toMatchObject({ type: "validation", status_code: 417 });
    expect(String(badLink["error"])).toContain("(LinkValidationError): Could not find Customer: Nobody Ltd");
    const linked = await fails(admin, "frappe_delete_doc", { doctype: "Customer", name: "Acme Corp" });
    expect(linked).toMatchObject({ type: "conflict" });
    expect(String(linked["error"])).toContain("is linked with Sales Order SO-0001");
    // The Sales User has no delete right on Customer.
    const made = await ok(sales, "frappe_create_doc", {
      doctype: "Customer",
      doc: { customer_name: "Hooli" },
    });
    expect(
      await fails(sales, "frappe_delete_doc", { doctype: "Customer", name: made["name"] }),
    ).toMatchObject({
      type: "forbidden",
    });
    expect(await ok(admin, "frappe_delete_doc", { doctype: "Customer", name: made["name"] })).toMatchObject({
      deleted: true,
    });
    // frappe.client.submit with a document read before someone else changed it: Frappe's timestamp check.
    const stale = await ok(admin, "frappe_get_doc", { doctype: "Sales Order", name: "SO-0002" });
    await new Promise((r) => setTimeout(r, 5));
    await ok(admin, "frappe_update_doc", {
      doctype: "Sales Order",
      name: "SO-0002",
      changes: { po_no: "PO-1" },
    });
    const conflict = await fails(admin, "frappe_call_method", {
      method: "frappe.client.submit",
      args: { doc: stale },
    });
    expect(conflict).toMatchObject({ type: "conflict", status_code: 417 });
    expect(String(conflict["error"])).toContain(
      "(TimestampMismatchError): Error: Document has been modified",
    );
    // docstatus is not an update: the tools for it say so, and nothing is sent.
    const before = emu.requests.length;
    const viaUpdate = await fails(admin, "frappe_update_doc", {
      doctype: "Sales Order",
      name: "SO-0002",
      changes: { docstatus: 1 },
    });
    expect(viaUpdate).toMatchObject({ type: "validation" });
    expect(emu.requests.length).toBe(before);
  });

  it("uploads attachments (multipart) and lists them; private files need the key", async () => {
    const text = await ok(sales, "frappe_upload_file", {
      file_name: "terms.txt",
      content: "Net 30 days.",
      doctype: "Sales Order",
      name: "SO-0002",
    });
    expect(text).toMatchObject({
      file_name: "terms.txt",
      file_url: "/private/files/terms.txt",
      url: `${emu.url}/private/files/terms.txt`,
      is_private: true,
      file_size: 12,
      attached_to: { doctype: "Sales Order", name: "SO-0002" },
    });
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 255]);
    const pub = await ok(sales, "frappe_upload_file", {
      file_name: "logo.png",
      content: png.toString("base64"),
      encoding: "base64",
      doctype: "Sales Order",
      name: "SO-0002",
      is_private: false,
    });
    expect(pub).toMatchObject({ file_url: "/files/logo.png", is_private: false, file_size: png.length });
    // The bytes arrived intact; the public file is served without credentials, the private one is not.
    expect(Buffer.from(await (await fetch(`${emu.url}/files/logo.png`)).arrayBuffer())).toEqual(png);
    expect((await fetch(`${emu.url}/private/files/terms.txt`)).status).toBe(401);

    const listed = await ok(admin, "frappe_list_attachments", { doctype: "Sales Order", name: "SO-0002" });
    expect((listed["files"] as Obj[]).map((f) => f["file_name"])).toEqual(["terms.txt", "logo.png"]);
    expect(
      await ok(admin, "frappe_list_attachments", { doctype: "Sales Order", name: "SO-0001" }),
    ).toMatchObject({ files: [] });
    expect(
      await fails(admin, "frappe_upload_file", { file_name: "x.txt", content: "x", doctype: "Sales Order" }),
    ).toMatchObject({ type: "validation" });
    expect(
      await fails(admin, "frappe_upload_file", {
        file_name: "x.txt",
        content: "x",
        doctype: "Sales Order",
        name: "SO-9999",
      }),
    ).toMatchObject({ type: "not_found" });
  });

  it("runs a report with filters, rows keyed by column", async () => {
    const all = await ok(sales, "frappe_run_report", { report_name: "Sales Order Summary" });
    expect(all["columns"]).toEqual([
      { fieldname: "name", label: "Sales Order", fieldtype: "Link" },
      { fieldname: "customer", label: "Customer", fieldtype: "Link" },
      { fieldname: "grand_total", label: "Grand Total", fieldtype: "Currency" },
    ]);
    expect(all["rows"]).toContainEqual({ name: "SO-0001", customer: "Acme Corp", grand_total: 1200 });
    // Only submitted orders: the draft SO-0002 is not in it.
    expect((all["rows"] as Obj[]).some((r) => r["name"] === "SO-0002")).toBe(false);
    const acme = await ok(sales, "frappe_run_report", {
      report_name: "Sales Order Summary",
      filters: { customer: "Acme Corp" },
      max_rows: 1,
    });
    expect(acme).toMatchObject({ rows: [{ name: "SO-0001" }], total_rows: 1 });
    expect(await fails(sales, "frappe_run_report", { report_name: "No Such Report" })).toMatchObject({
      type: "not_found",
    });
    // Every tool here went through one Frappe client, built once for the process.
    expect(built).toBe(1);
  });
});
