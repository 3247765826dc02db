/**
 * The Frappe emulator's site: DocTypes with their metadata (fields, links, permissions), documents with
 * Frappe's docstatus life cycle, files, and reports. The HTTP side is in server.ts.
 *
 * Docstatus follows Frappe's `Document.check_docstatus_transition`: a save keeps 0 -> 0; submit is
 * 0 -> 1 (only for a submittable DocType, with the `submit` permission); 1 -> 1 is an update after
 * submit, refused for any field not marked `allow_on_submit`; cancel is 1 -> 2 (the `cancel` permission);
 * 0 -> 2 and 1 -> 0 are DocstatusTransitionErrors; a cancelled document cannot be edited at all. An
 * amendment is a new document with `amended_from`: named `<original>-1`, or the next number when the
 * original was itself an amendment (`SO-1-1` -> `SO-1-2`), as frappe.model.naming does.
 */
import { createHash, randomBytes } from "node:crypto";

export type Doc = Record<string, unknown>;

export interface DocField {
  fieldname: string;
  label?: string;
  /** Data, Link, Int, Float, Currency, Date, Select, Check, Text, Attach, ... (default Data). */
  fieldtype?: string;
  /** For a Link: the DocType it points to; for a Select: the choices, one a line. */
  options?: string;
  reqd?: 0 | 1;
  /** May change after the document is submitted. */
  allow_on_submit?: 0 | 1;
  in_list_view?: 0 | 1;
}

/** One row of a DocType's permission table (Frappe's DocPerm). */
export interface DocPerm {
  role: string;
  permlevel?: number;
  read?: 0 | 1;
  write?: 0 | 1;
  create?: 0 | 1;
  delete?: 0 | 1;
  submit?: 0 | 1;
  cancel?: 0 | 1;
  amend?: 0 | 1;
  report?: 0 | 1;
}

export type Right = "read" | "write" | "create" | "delete" | "submit" | "cancel" | "amend" | "report";

export interface DocTypeSeed {
  /** Shorthand for mandatory Data fields (kept for older seeds). */
  mandatory?: string[];
  fields?: DocField[];
  is_submittable?: boolean;
  module?: string;
  /** Without permissions every user may do everything; with them, Frappe's role check applies. */
  permissions?: DocPerm[];
  docs?: Doc[];
}

export interface ReportSeed {
  /** The DocType the report reads; the caller needs read permission on it. */
  ref_doctype: string;
  report_type?: "Script Report" | "Query Report";
  columns: { fieldname: string; label?: string; fieldtype?: string; options?: string; width?: number }[];
  /** Only documents with these docstatus values (default: every one). */
  docstatus?: number[];
}

export interface User {
  name: string;
  roles: string[];
}

export class FrappeError extends Error {
  constructor(
    readonly status: number,
    readonly excType: string,
    message: string,
  ) {
    super(message);
  }
}

const STATUS_LABEL = ["Draft", "Submitted", "Cancelled"];

interface DocType {
  name: string;
  module: string;
  isSubmittable: boolean;
  fields: DocField[];
  permissions: DocPerm[];
  docs: Doc[];
}

export interface StoredFile {
  doc: Doc;
  content: Buffer;
  contentType: string;
}

export interface Site {
  doctypes: Map<string, DocType>;
  reports: Map<string, ReportSeed>;
  files: Map<string, StoredFile>;
  /** The last automatic name's number. */
  counter: number;
}

export function createSite(): Site {
  const site: Site = { doctypes: new Map(), reports: new Map(), files: new Map(), counter: 0 };
  defineDocType(site, "File", {
    module: "Core",
    fields: [
      { fieldname: "file_name", label: "File Name" },
      { fieldname: "file_url", label: "File URL", fieldtype: "Code" },
      { fieldname: "is_private", label: "Is Private", fieldtype: "Check" },
      { fieldname: "file_size", label: "File Size", fieldtype: "Int" },
      {
        fieldname: "attached_to_doctype",
        label: "Attached To DocType",
        fieldtype: "Link",
        options: "DocType",
      },
      { fieldname: "attached_to_name", label: "Attached To Name" },
      { fieldname: "attached_to_field", label: "Attached To Field" },
      { fieldname: "folder", label: "Folder" },
      { fieldname: "content_hash", label: "Content Hash" },
    ],
  });
  return site;
}

export const now = () => new Date().toISOString().replace("T", " ").replace("Z", "");

export function defineDocType(site: Site, name: string, seed: DocTypeSeed): void {
  const fields = [...(seed.fields ?? [])].map((f) => ({ ...f }));
  for (const m of seed.mandatory ?? []) {
    const f = fields.find((x) => x.fieldname === m);
    if (f) f.reqd = 1;
    else fields.push({ fieldname: m, reqd: 1 });
  }
  if (seed.is_submittable && !fields.some((f) => f.fieldname === "amended_from")) {
    fields.push({ fieldname: "amended_from", label: "Amended From", fieldtype: "Link", options: name });
  }
  site.doctypes.set(name, {
    name,
    module: seed.module ?? "Custom",
    isSubmittable: seed.is_submittable === true,
    fields,
    permissions: seed.permissions ?? [],
    docs: [],
  });
}

const label = (f: DocField) =>
  f.label ?? f.fieldname.replace(/_/g, " ").replace(/^\w/, (c) => c.toUpperCase());

export function docType(site: Site, name: string): DocType {
  const d = site.doctypes.get(name);
  if (!d) throw new FrappeError(404, "DoesNotExistError", `DocType ${name} not found`);
  return d;
}

/** Frappe's role check: Administrator may do anything, others need a permission row of one of their roles. */
export function can(dt: DocType, user: User, right: Right): boolean {
  if (user.name === "Administrator" || dt.permissions.length === 0) return true;
  return dt.permissions.some(
    (p) => (p.permlevel ?? 0) === 0 && user.roles.includes(p.role) && p[right] === 1,
  );
}

export function check(dt: DocType, user: User, right: Right, name?: string): void {
  if (!can(dt, user, right)) {
    throw new FrappeError(
      403,
      "PermissionError",
      `No permission for ${dt.name}${name ? ` ${name}` : ""}: ${right} (user ${user.name})`,
    );
  }
}

/** The DocType document as /api/resource/DocType/<name> gives it. */
export function metaDoc(dt: DocType): Doc {
  return {
    name: dt.name,
    doctype: "DocType",
    module: dt.module,
    is_submittable: dt.isSubmittable ? 1 : 0,
    istable: 0,
    issingle: 0,
    fields: dt.fields.map((f, i) => ({
      doctype: "DocField",
      parent: dt.name,
      parentfield: "fields",
      parenttype: "DocType",
      idx: i + 1,
      fieldname: f.fieldname,
      label: label(f),
      fieldtype: f.fieldtype ?? "Data",
      options: f.options ?? null,
      reqd: f.reqd ?? 0,
      allow_on_submit: f.allow_on_submit ?? 0,
      in_list_view: f.in_list_view ?? 0,
    })),
    permissions: dt.permissions.map((p, i) => ({
      doctype: "DocPerm",
      parent: dt.name,
      parentfield: "permissions",
      parenttype: "DocType",
      idx: i + 1,
      role: p.role,
      permlevel: p.permlevel ?? 0,
      read: p.read ?? 0,
      write: p.write ?? 0,
      create: p.create ?? 0,
      delete: p.delete ?? 0,
      submit: p.submit ?? 0,
      cancel: p.cancel ?? 0,
      amend: p.amend ?? 0,
      report: p.report ?? 0,
    })),
  };
}

export function findDoc(site: Site, dtName: string, name: string): Doc {
  const doc = docType(site, dtName).docs.find((d) => d["name"] === name);
  if (!doc) throw new FrappeError(404, "DoesNotExistError", `${dtName} ${name} not found`);
  return doc;
}

const empty = (v: unknown) => v === undefined || v === null || v === "";

function validateMandatory(dt: DocType, doc: Doc, name?: string): void {
  const missing = dt.fields.filter((f) => f.reqd === 1 && empty(doc[f.fieldname])).map((f) => f.fieldname);
  if (missing.length > 0) {
    throw new FrappeError(
      417,
      "MandatoryError",
      `[${dt.name}${name ? `, ${name}` : ""}]: ${missing.join(", ")}`,
    );
  }
}

/** Link fields must name an existing document of their DocType (when the emulator knows that DocType). */
function validateLinks(site: Site, dt: DocType, doc: Doc): void {
  for (const f of dt.fields) {
    const value = doc[f.fieldname];
    if (f.fieldtype !== "Link" || empty(value) || !f.options) continue;
    const target = site.doctypes.get(f.options);
    if (target && !target.docs.some((d) => d["name"] === String(value))) {
      throw new FrappeError(417, "LinkValidationError", `Could not find ${label(f)}: ${String(value)}`);
    }
  }
}

/** frappe.model.naming: `<original>-1`, or the next number when the original is itself an amendment. */
function amendedName(site: Site, dt: DocType, amendedFrom: string): string {
  const original = findDoc(site, dt.name, amendedFrom);
  if (!empty(original["amended_from"])) {
    const parts = amendedFrom.split("-");
    const n = Number(parts.pop());
    return `${parts.join("-")}-${(Number.isFinite(n) ? n : 0) + 1}`;
  }
  return `${amendedFrom}-1`;
}

/** Inserts a document (docstatus 0, or 1 to insert and submit at once). */
export function insertDoc(site: Site, dtName: string, body: Doc, user: User): Doc {
  const dt = docType(site, dtName);
  check(dt, user, "create");
  const docstatus = Number(body["docstatus"] ?? 0);
  if (docstatus === 2) {
    throw new FrappeError(
      417,
      "DocstatusTransitionError",
      "Cannot change docstatus from 0 (Draft) to 2 (Cancelled)",
    );
  }
  if (docstatus === 1) submittable(dt, user);
  validateMandatory(dt, body);
  validateLinks(site, dt, body);
  const name = !empty(body["amended_from"])
    ? amendedName(site, dt, String(body["amended_from"]))
    : !empty(body["name"])
      ? String(body["name"])
      : `${dtName.replace(/\s+/g, "-").toUpperCase()}-${String(++site.counter).padStart(5, "0")}`;
  if (dt.docs.some((x) => x["name"] === name)) {
    throw new FrappeError(409, "DuplicateEntryError", `${dtName} ${name} already exists`);
  }
  const t = now();
  const doc: Doc = {
    ...body,
    name,
    doctype: dtName,
    owner: user.name,
    modified_by: user.name,
    creation: body["creation"] ?? t,
    modified: t,
    docstatus,
  };
  dt.docs.push(doc);
  return doc;
}

function submittable(dt: DocType, user: User): void {
  if (!dt.isSubmittable) {
    throw new FrappeError(417, "ValidationError", `${dt.name} is not a submittable DocType`);
  }
  check(dt, user, "submit");
}

/**
 * Saves changes to a document: the docstatus transition they make (save, submit, update after submit,
 * cancel), checked as Frappe checks it.
 */
export function saveDoc(site: Site, dtName: string, name: string, changes: Doc, user: User): Doc {
  const dt = docType(site, dtName);
  const doc = findDoc(site, dtName, name);
  const from = Number(doc["docstatus"] ?? 0);
  const to = changes["docstatus"] === undefined ? from : Number(changes["docstatus"]);
  if (from === 2) throw new FrappeError(417, "ValidationError", "Cannot edit cancelled document");
  if (![0, 1, 2].includes(to))
    throw new FrappeError(417, "ValidationError", `docstatus ${to} is not 0, 1 or 2`);
  if (from === 0 && to === 2) {
    throw new FrappeError(
      417,
      "DocstatusTransitionError",
      `Cannot change docstatus from 0 (${STATUS_LABEL[0]}) to 2 (${STATUS_LABEL[2]})`,
    );
  }
  if (from === 1 && to === 0) {
    throw new FrappeError(
      417,
      "DocstatusTransitionError",
      `Cannot change docstatus from 1 (${STATUS_LABEL[1]}) to 0 (${STATUS_LABEL[0]})`,
    );
  }
  if (from === 0 && to === 1) submittable(dt, user);
  else if (from === 1 && to === 2) check(dt, user, "cancel", name);
  else if (from === 1) check(dt, user, "submit", name);
  else check(dt, user, "write", name);
  if (from === 1) {
    // Update after submit (and cancel, which saves the same fields): only allow_on_submit fields may change.
    for (const [k, v] of Object.entries(changes)) {
      if (["docstatus", "modified", "name", "doctype"].includes(k)) continue;
      const f = dt.fields.find((x) => x.fieldname === k);
      if (f && f.allow_on_submit !== 1 && String(doc[k] ?? "") !== String(v ?? "")) {
        throw new FrappeError(
          417,
          "UpdateAfterSubmitError",
          `Not allowed to change ${label(f)} after submission from ${String(doc[k] ?? "")} to ${String(v ?? "")}`,
        );
      }
    }
  }
  const next = { ...doc, ...changes, name, doctype: dtName, docstatus: to };
  validateMandatory(dt, next, name);
  validateLinks(site, dt, next);
  Object.assign(doc, next, { modified: now(), modified_by: user.name });
  return doc;
}

/** What links to a document (Frappe refuses to delete it then). */
function linkedFrom(site: Site, dtName: string, name: string): [string, string] | undefined {
  for (const other of site.doctypes.values()) {
    const links = other.fields.filter((f) => f.fieldtype === "Link" && f.options === dtName);
    for (const doc of other.docs) {
      if (other.name === dtName && doc["name"] === name) continue;
      if (links.some((f) => doc[f.fieldname] === name)) return [other.name, String(doc["name"])];
    }
  }
  return undefined;
}

export function deleteDoc(site: Site, dtName: string, name: string, user: User): void {
  const dt = docType(site, dtName);
  const doc = findDoc(site, dtName, name);
  check(dt, user, "delete", name);
  if (Number(doc["docstatus"] ?? 0) === 1) {
    throw new FrappeError(
      417,
      "ValidationError",
      `${dtName} ${name}: Submitted Record cannot be deleted. You must Cancel it first.`,
    );
  }
  const link = linkedFrom(site, dtName, name);
  if (link) {
    throw new FrappeError(
      417,
      "LinkExistsError",
      `Cannot delete or cancel because ${dtName} ${name} is linked with ${link[0]} ${link[1]}`,
    );
  }
  dt.docs = dt.docs.filter((x) => x["name"] !== name);
  for (const [url, f] of site.files) {
    if (f.doc["attached_to_doctype"] === dtName && f.doc["attached_to_name"] === name) {
      site.files.delete(url);
      const files = docType(site, "File");
      files.docs = files.docs.filter((d) => d["file_url"] !== url);
    }
  }
}

export interface Upload {
  fileName: string;
  content: Buffer;
  contentType: string;
  isPrivate: boolean;
  doctype?: string;
  docname?: string;
  fieldname?: string;
}

/** upload_file: a File document, attached to a document when doctype and docname are given. */
export function uploadFile(site: Site, upload: Upload, user: User): Doc {
  if (upload.doctype && upload.docname) {
    const dt = docType(site, upload.doctype);
    findDoc(site, upload.doctype, upload.docname);
    check(dt, user, "write", upload.docname);
  }
  const base = upload.fileName.replace(/[/\\]/g, "_");
  const prefix = upload.isPrivate ? "/private/files/" : "/files/";
  let fileName = base;
  if (site.files.has(prefix + fileName)) {
    const dot = base.lastIndexOf(".");
    const suffix = randomBytes(3).toString("hex");
    fileName = dot > 0 ? `${base.slice(0, dot)}${suffix}${base.slice(dot)}` : `${base}${suffix}`;
  }
  const url = prefix + fileName;
  const doc = insertDoc(
    site,
    "File",
    {
      name: randomBytes(5).toString("hex"),
      file_name: fileName,
      file_url: url,
      is_private: upload.isPrivate ? 1 : 0,
      file_size: upload.content.length,
      content_hash: createHash("md5").update(upload.content).digest("hex"),
      folder: upload.doctype ? "Home/Attachments" : "Home",
      attached_to_doctype: upload.doctype ?? null,
      attached_to_name: upload.docname ?? null,
      attached_to_field: upload.fieldname ?? null,
    },
    { name: "Administrator", roles: [] },
  );
  doc["owner"] = user.name;
  site.files.set(url, { doc, content: upload.content, contentType: upload.contentType });
  return doc;
}

/** frappe.desk.query_report.run: the report's rows over its DocType, filtered by equality on fields. */
export function runReport(site: Site, reportName: string, filters: Doc, user: User): Doc {
  const report = site.reports.get(reportName);
  if (!report) throw new FrappeError(404, "DoesNotExistError", `Report ${reportName} not found`);
  const dt = docType(site, report.ref_doctype);
  if (!can(dt, user, "report") && !can(dt, user, "read")) {
    throw new FrappeError(403, "PermissionError", `You don't have access to Report: ${reportName}`);
  }
  for (const key of Object.keys(filters)) {
    if (!dt.fields.some((f) => f.fieldname === key) && !["name", "docstatus"].includes(key)) {
      throw new FrappeError(417, "ValidationError", `Unknown filter ${key} for report ${reportName}`);
    }
  }
  const rows = dt.docs
    .filter((d) => !report.docstatus || report.docstatus.includes(Number(d["docstatus"] ?? 0)))
    .filter((d) => Object.entries(filters).every(([k, v]) => empty(v) || String(d[k]) === String(v)))
    .map((d) => Object.fromEntries(report.columns.map((c) => [c.fieldname, d[c.fieldname] ?? null])));
  return {
    result: rows,
    columns: report.columns.map((c) => ({
      fieldname: c.fieldname,
      label: c.label ?? label({ fieldname: c.fieldname }),
      fieldtype: c.fieldtype ?? "Data",
      options: c.options ?? null,
      width: c.width ?? 120,
    })),
    message: null,
    chart: null,
    report_summary: null,
    skip_total_row: 0,
    status: null,
    execution_time: 0,
    add_total_row: 0,
  };
}
