/**
 * The frappe toolset over real HTTP against the Frappe emulator: filtered, paged lists; documents read,
 * created, updated and deleted; whitelisted methods; Frappe's errors with their own messages.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFrappeEmulator, type FrappeEmulator } from "../../src/emulators/frappe/server.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

type Obj = Record<string, unknown>;

describe("frappe toolset against the Frappe emulator", () => {
  let emu: FrappeEmulator;
  let app: TestApp;
  const call = async (name: string, args: Obj) => {
    const r = await app.call(name, args);
    if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.data)}`);
    return r.data as Obj;
  };

  beforeAll(async () => {
    emu = await createFrappeEmulator();
    emu.seed({
      keys: { "key-1": "secret-1" },
      doctypes: {
        Customer: {
          mandatory: ["customer_name"],
          docs: [
            {
              name: "Acme Corp",
              customer_name: "Acme Corp",
              customer_group: "Commercial",
              territory: "Europe",
            },
            { name: "Globex", customer_name: "Globex", customer_group: "Commercial", territory: "Americas" },
            {
              name: "Initech",
              customer_name: "Initech",
              customer_group: "Government",
              territory: "Americas",
            },
          ],
        },
        "Sales Order": {
          mandatory: ["customer"],
          docs: [
            { name: "SO-0001", customer: "Acme Corp", grand_total: 1200, status: "To Deliver" },
            { name: "SO-0002", customer: "Globex", grand_total: 300, status: "Completed" },
          ],
        },
      },
    });
    app = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "frappe",
        FRAPPE_URL: emu.url,
        FRAPPE_API_KEY: "key-1",
        FRAPPE_API_SECRET: "secret-1",
      },
    });
  });
  afterAll(async () => {
    await app?.close();
    await emu?.close();
  });

  it("lists with filters, fields, ordering and pages", async () => {
    const americas = await call("frappe_list_docs", {
      doctype: "Customer",
      fields: ["name", "customer_group"],
      filters: { territory: "Americas" },
      order_by: "name asc",
    });
    expect(americas["docs"]).toEqual([
      { name: "Globex", customer_group: "Commercial" },
      { name: "Initech", customer_group: "Government" },
    ]);
    const big = await call("frappe_list_docs", {
      doctype: "Sales Order",
      fields: ["name", "grand_total"],
      filters: [["grand_total", ">", 1000]],
    });
    expect(big["docs"]).toEqual([{ name: "SO-0001", grand_total: 1200 }]);
    const page1 = await call("frappe_list_docs", { doctype: "Customer", order_by: "name asc", limit: 2 });
    expect(page1).toMatchObject({ docs: [{ name: "Acme Corp" }, { name: "Globex" }], next_start: 2 });
    const page2 = await call("frappe_list_docs", {
      doctype: "Customer",
      order_by: "name asc",
      limit: 2,
      start: 2,
    });
    expect(page2).toMatchObject({ docs: [{ name: "Initech" }], next_start: null });
  });

  it("creates, reads, updates and deletes documents, and calls methods", async () => {
    const made = await call("frappe_create_doc", {
      doctype: "Sales Order",
      doc: { customer: "Initech", grand_total: 4500, status: "Draft" },
    });
    const name = made["name"] as string;
    expect(name).toMatch(/^SALES-ORDER-\d+$/);
    await call("frappe_update_doc", { doctype: "Sales Order", name, changes: { status: "To Deliver" } });
    expect(await call("frappe_get_doc", { doctype: "Sales Order", name })).toMatchObject({
      customer: "Initech",
      grand_total: 4500,
      status: "To Deliver",
    });
    const count = await call("frappe_call_method", {
      method: "frappe.client.get_count",
      args: { doctype: "Sales Order", filters: { status: "To Deliver" } },
      http_method: "GET",
    });
    expect(count).toEqual({ method: "frappe.client.get_count", message: 2 });
    expect(await call("frappe_delete_doc", { doctype: "Sales Order", name })).toMatchObject({
      deleted: true,
    });
    const gone = await app.call("frappe_get_doc", { doctype: "Sales Order", name });
    expect(gone).toMatchObject({ isError: true, data: { type: "not_found", status_code: 404 } });
  });

  it("keeps Frappe's messages in the error shape", async () => {
    const missing = await app.call("frappe_create_doc", {
      doctype: "Customer",
      doc: { customer_group: "Commercial" },
    });
    expect(missing).toMatchObject({ isError: true, data: { type: "validation", status_code: 417 } });
    expect(String((missing.data as Obj)["error"])).toContain("(MandatoryError): [Customer]: customer_name");
    const dup = await app.call("frappe_create_doc", {
      doctype: "Customer",
      doc: { name: "Globex", customer_name: "Globex" },
    });
    expect(dup).toMatchObject({ isError: true, data: { type: "conflict" } });
    const noType = await app.call("frappe_list_docs", { doctype: "Spaceship" });
    expect(noType).toMatchObject({ isError: true, data: { type: "not_found" } });
    const badName = await app.call("frappe_list_docs", { doctype: "Customer; drop" });
    expect(badName).toMatchObject({ isError: true, data: { type: "validation" } });

    const wrong = await startTestApp({
      env: {
        REPOWRIGHT_TOOLSETS: "frappe",
        FRAPPE_URL: emu.url,
        FRAPPE_API_KEY: "key-1",
        FRAPPE_API_SECRET: "nope",
      },
    });
    try {
      const r = await wrong.call("frappe_list_docs", { doctype: "Customer" });
      expect(r).toMatchObject({ isError: true, data: { type: "auth", status_code: 401 } });
    } finally {
      await wrong.close();
    }
  });
});
