/**
 * The site `repowright emulate frappe` serves when no seed is given: a small ERPNext-like shop with
 * customers, items, submittable sales orders (one draft, one submitted), role permissions and a report,
 * so every frappe tool has something to work on.
 */
import type { FrappeSeed } from "./server.js";

export const DEMO_FRAPPE_SEED: FrappeSeed = {
  keys: {
    "demo-key": "demo-secret",
    "sales-key": { secret: "sales-secret", user: "sales@example.test", roles: ["Sales User"] },
  },
  doctypes: {
    Customer: {
      module: "Selling",
      fields: [
        { fieldname: "customer_name", label: "Customer Name", reqd: 1, in_list_view: 1 },
        { fieldname: "customer_group", label: "Customer Group", fieldtype: "Data" },
        { fieldname: "territory", label: "Territory", fieldtype: "Data" },
      ],
      permissions: [
        { role: "Sales User", read: 1, write: 1, create: 1, report: 1 },
        { role: "Sales Manager", read: 1, write: 1, create: 1, delete: 1, report: 1 },
      ],
      docs: [
        { name: "Acme Corp", customer_name: "Acme Corp", customer_group: "Commercial", territory: "Europe" },
        { name: "Globex", customer_name: "Globex", customer_group: "Commercial", territory: "Americas" },
      ],
    },
    Item: {
      module: "Stock",
      fields: [
        { fieldname: "item_code", label: "Item Code", reqd: 1 },
        { fieldname: "item_name", label: "Item Name" },
        { fieldname: "standard_rate", label: "Standard Selling Rate", fieldtype: "Currency" },
      ],
      docs: [
        { name: "WIDGET", item_code: "WIDGET", item_name: "Widget", standard_rate: 25 },
        { name: "GADGET", item_code: "GADGET", item_name: "Gadget", standard_rate: 120 },
      ],
    },
    "Sales Order": {
      module: "Selling",
      is_submittable: true,
      fields: [
        { fieldname: "customer", label: "Customer", fieldtype: "Link", options: "Customer", reqd: 1 },
        { fieldname: "transaction_date", label: "Date", fieldtype: "Date" },
        { fieldname: "grand_total", label: "Grand Total", fieldtype: "Currency" },
        {
          fieldname: "status",
          label: "Status",
          fieldtype: "Select",
          options: "Draft\nTo Deliver\nCompleted",
        },
        { fieldname: "po_no", label: "Customer's Purchase Order", allow_on_submit: 1 },
      ],
      permissions: [
        { role: "Sales User", read: 1, write: 1, create: 1, submit: 1, report: 1 },
        {
          role: "Sales Manager",
          read: 1,
          write: 1,
          create: 1,
          submit: 1,
          cancel: 1,
          amend: 1,
          delete: 1,
          report: 1,
        },
      ],
      docs: [
        { name: "SO-0001", customer: "Acme Corp", grand_total: 1200, status: "To Deliver", docstatus: 1 },
        { name: "SO-0002", customer: "Globex", grand_total: 300, status: "Draft" },
      ],
    },
  },
  reports: {
    "Sales Order Summary": {
      ref_doctype: "Sales Order",
      docstatus: [1],
      columns: [
        { fieldname: "name", label: "Sales Order", fieldtype: "Link", options: "Sales Order" },
        { fieldname: "customer", label: "Customer", fieldtype: "Link", options: "Customer" },
        { fieldname: "grand_total", label: "Grand Total", fieldtype: "Currency" },
      ],
    },
  },
};
