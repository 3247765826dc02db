/**
 * A Frappe / ERPNext emulator on loopback, so the frappe toolset can be tested over real HTTP and people
 * can try it safely (`repowright emulate frappe`). It speaks the endpoints the toolset uses, with state:
 *
 * - `/api/resource/<DocType>[/<name>]`: list (filters, fields, paging, ordering), get, insert, save
 *   (with docstatus transitions), delete; `/api/resource/DocType/<name>` for a DocType's metadata
 *   (System Manager or Administrator, as on a real site);
 * - `/api/method/frappe.desk.form.load.getdoctype` (metadata for anyone who may read the DocType),
 *   `frappe.client.submit`, `frappe.client.cancel`, `frappe.client.get_count`, `frappe.auth.get_logged_user`,
 *   `frappe.desk.query_report.run`, `upload_file` (multipart), and the uploaded files at `/files/...` and
 *   `/private/files/...`;
 * - token auth (`Authorization: token key:secret`), each key a user with roles checked against the
 *   DocType's permission rows; Frappe's error bodies (`exc_type`, `exception`, `_server_messages`) with
 *   Frappe's HTTP statuses (417 for validation errors).
 *
 * The documents, their life cycle and the checks are in model.ts.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import {
  check,
  createSite,
  type Doc,
  type DocTypeSeed,
  defineDocType,
  deleteDoc,
  docType,
  FrappeError,
  findDoc,
  insertDoc,
  metaDoc,
  type ReportSeed,
  runReport,
  saveDoc,
  type User,
  uploadFile,
} from "./model.js";

export type { DocField, DocPerm, DocTypeSeed, ReportSeed } from "./model.js";

export interface FrappeSeed {
  /**
   * api_key -> api_secret (the user is Administrator), or -> { secret, user, roles }. With no key seeded,
   * any token acts as Administrator.
   */
  keys?: Record<string, string | { secret: string; user: string; roles?: string[] }>;
  /** DocType -> its fields, permissions, whether it is submittable, and its documents. */
  doctypes?: Record<string, DocTypeSeed>;
  /** Script reports over a DocType, run by frappe.desk.query_report.run. */
  reports?: Record<string, ReportSeed>;
}

export interface FrappeEmulator {
  url: string;
  requests: { method: string; path: string; status: number }[];
  seed(seed: FrappeSeed): void;
  close(): Promise<void>;
}

type Filter = [string, string, unknown];

/** Numbers compare as numbers, anything else as text (dates in Frappe's format sort as text). */
function compare(a: unknown, b: unknown): number {
  const x = Number(a);
  const y = Number(b);
  if (a !== "" && b !== "" && Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return String(a ?? "") < String(b ?? "") ? -1 : String(a ?? "") > String(b ?? "") ? 1 : 0;
}

function matches(doc: Doc, [field, op, value]: Filter): boolean {
  const v = doc[field];
  switch (op.toLowerCase()) {
    case "=":
      return String(v) === String(value);
    case "!=":
      return String(v) !== String(value);
    case ">":
      return compare(v, value) > 0;
    case "<":
      return compare(v, value) < 0;
    case ">=":
      return compare(v, value) >= 0;
    case "<=":
      return compare(v, value) <= 0;
    case "like": {
      const re = new RegExp(
        `^${String(value)
          .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
          .replace(/%/g, ".*")
          .replace(/_/g, ".")}$`,
        "i",
      );
      return re.test(String(v ?? ""));
    }
    case "in":
      return (Array.isArray(value) ? value : String(value).split(",")).map(String).includes(String(v));
    case "not in":
      return !(Array.isArray(value) ? value : String(value).split(",")).map(String).includes(String(v));
    default:
      throw new FrappeError(
        417,
        "ValidationError",
        `Operator must be one of =, !=, >, <, >=, <=, like, in, not in; got ${op}`,
      );
  }
}

/** Frappe accepts filters as [[field, op, value], ...] or {field: value | [op, value]}. */
function parseFilters(raw: unknown): Filter[] {
  if (raw === undefined || raw === null || raw === "") return [];
  let parsed: unknown = raw;
  if (typeof raw === "string") {
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new FrappeError(417, "ValidationError", "filters must be JSON");
    }
  }
  if (Array.isArray(parsed)) return parsed.map((f) => (f as unknown[]).slice(-3) as Filter);
  return Object.entries(parsed as Doc).map(([k, v]) =>
    Array.isArray(v) ? [k, String(v[0]), v[1]] : [k, "=", v],
  );
}

/** A method's argument that Frappe accepts as JSON text or as JSON. */
function jsonArg(value: unknown): Doc {
  if (typeof value !== "string") return (value ?? {}) as Doc;
  try {
    return JSON.parse(value) as Doc;
  } catch {
    throw new FrappeError(417, "ValidationError", "argument must be JSON");
  }
}

interface Reply {
  status: number;
  body: unknown;
  /** Raw bytes (a file) instead of JSON. */
  raw?: { content: Buffer; contentType: string };
}

export async function createFrappeEmulator(
  options: { port?: number; host?: string } = {},
): Promise<FrappeEmulator> {
  const site = createSite();
  const keys = new Map<string, { secret: string; user: User }>();
  const requests: FrappeEmulator["requests"] = [];

  const auth = (req: IncomingMessage): User => {
    const m = /^token ([^:]+):(.+)$/i.exec(req.headers.authorization ?? "");
    if (!m) throw new FrappeError(401, "AuthenticationError", "Invalid login credentials");
    if (keys.size === 0) return { name: "Administrator", roles: ["System Manager"] };
    const key = keys.get(m[1]!);
    if (!key || key.secret !== m[2])
      throw new FrappeError(401, "AuthenticationError", "Invalid login credentials");
    return key.user;
  };

  const method = async (
    name: string,
    args: Doc,
    httpMethod: string,
    user: User,
    form?: FormData,
  ): Promise<Reply> => {
    const ok = (message: unknown): Reply => ({ status: 200, body: { message } });
    const post = () => {
      if (httpMethod !== "POST" && httpMethod !== "PUT")
        throw new FrappeError(405, "PermissionError", `Not permitted: ${name} accepts POST`);
    };
    switch (name) {
      case "frappe.auth.get_logged_user":
        return ok(user.name);
      case "frappe.client.get_count": {
        const dt = docType(site, String(args["doctype"]));
        check(dt, user, "read");
        const filters = parseFilters(args["filters"]);
        return ok(dt.docs.filter((doc) => filters.every((f) => matches(doc, f))).length);
      }
      case "frappe.desk.form.load.getdoctype": {
        const dt = docType(site, String(args["doctype"]));
        check(dt, user, "read");
        // Frappe answers with `docs` (the DocType and its child tables), not `message`.
        return { status: 200, body: { docs: [metaDoc(dt)] } };
      }
      case "frappe.client.submit": {
        post();
        const doc = jsonArg(args["doc"]);
        const dtName = String(doc["doctype"] ?? "");
        const docName = String(doc["name"] ?? "");
        const current = findDoc(site, dtName, docName);
        if (doc["modified"] !== undefined && String(doc["modified"]) !== String(current["modified"])) {
          throw new FrappeError(
            417,
            "TimestampMismatchError",
            `Error: Document has been modified after you have opened it (${String(current["modified"])}, ${String(doc["modified"])}). Please refresh to get the latest document.`,
          );
        }
        const { modified: _m, creation: _c, owner: _o, modified_by: _b, ...changes } = doc;
        return ok(saveDoc(site, dtName, docName, { ...changes, docstatus: 1 }, user));
      }
      case "frappe.client.cancel": {
        post();
        return ok(saveDoc(site, String(args["doctype"]), String(args["name"]), { docstatus: 2 }, user));
      }
      case "frappe.desk.query_report.run":
        return ok(runReport(site, String(args["report_name"]), jsonArg(args["filters"]), user));
      case "upload_file": {
        post();
        const file = form?.get("file");
        if (!form || !(file instanceof Blob)) {
          throw new FrappeError(417, "ValidationError", "No file attached");
        }
        const text = (k: string) => {
          const v = form.get(k);
          return typeof v === "string" && v !== "" ? v : undefined;
        };
        return {
          status: 200,
          body: {
            message: uploadFile(
              site,
              {
                fileName: text("file_name") ?? (file as File).name ?? "file",
                content: Buffer.from(await file.arrayBuffer()),
                contentType: file.type || "application/octet-stream",
                isPrivate: text("is_private") === "1",
                doctype: text("doctype"),
                docname: text("docname"),
                fieldname: text("fieldname"),
              },
              user,
            ),
          },
        };
      }
      default:
        throw new FrappeError(404, "DoesNotExistError", `Failed to get method for command ${name}`);
    }
  };

  const handle = async (req: IncomingMessage, raw: Buffer): Promise<Reply> => {
    const u = new URL(req.url ?? "/", "http://localhost");
    const httpMethod = req.method ?? "GET";
    const file = /^\/(private\/)?files\/(.+)$/.exec(u.pathname);
    if (file && httpMethod === "GET") {
      const stored = site.files.get(decodeURIComponent(u.pathname));
      if (!stored) throw new FrappeError(404, "DoesNotExistError", `File ${u.pathname} not found`);
      if (file[1]) auth(req);
      return { status: 200, body: null, raw: { content: stored.content, contentType: stored.contentType } };
    }
    const user = auth(req);
    const type = (req.headers["content-type"] ?? "").toLowerCase();
    let body: Doc = {};
    let form: FormData | undefined;
    if (type.startsWith("multipart/form-data")) {
      form = await new Response(raw, { headers: { "content-type": type } }).formData();
    } else if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString("utf8")) as Doc;
      } catch {
        throw new FrappeError(400, "ValidationError", "Invalid JSON body");
      }
    }
    const res = /^\/api\/resource\/([^/]+)(?:\/([^/]+))?$/.exec(u.pathname);
    if (res) {
      const dtName = decodeURIComponent(res[1]!);
      const name = res[2] ? decodeURIComponent(res[2]) : undefined;
      if (dtName === "DocType" && name && httpMethod === "GET") {
        if (user.name !== "Administrator" && !user.roles.includes("System Manager")) {
          throw new FrappeError(403, "PermissionError", `No permission for DocType ${name}: read`);
        }
        return { status: 200, body: { data: metaDoc(docType(site, name)) } };
      }
      const dt = docType(site, dtName);
      if (!name && httpMethod === "GET") {
        check(dt, user, "read");
        const filters = parseFilters(u.searchParams.get("filters"));
        let docs = dt.docs.filter((doc) => filters.every((f) => matches(doc, f)));
        const order = (u.searchParams.get("order_by") ?? "modified desc").trim().split(/\s+/);
        const [field, dir] = [order[0]!, (order[1] ?? "asc").toLowerCase()];
        docs = [...docs].sort((a, b) => compare(a[field], b[field]) * (dir === "desc" ? -1 : 1));
        const start = Number(u.searchParams.get("limit_start") ?? 0);
        const len = Number(u.searchParams.get("limit_page_length") ?? 20);
        const fields = JSON.parse(u.searchParams.get("fields") ?? '["name"]') as string[];
        const page = (len === 0 ? docs.slice(start) : docs.slice(start, start + len)).map((doc) =>
          fields.includes("*") ? doc : Object.fromEntries(fields.map((f) => [f, doc[f] ?? null])),
        );
        return { status: 200, body: { data: page } };
      }
      if (!name && httpMethod === "POST")
        return { status: 200, body: { data: insertDoc(site, dtName, body, user) } };
      if (name && httpMethod === "GET") {
        check(dt, user, "read", name);
        return { status: 200, body: { data: findDoc(site, dtName, name) } };
      }
      if (name && httpMethod === "PUT")
        return { status: 200, body: { data: saveDoc(site, dtName, name, body, user) } };
      if (name && httpMethod === "DELETE") {
        deleteDoc(site, dtName, name, user);
        return { status: 202, body: { data: "ok" } };
      }
    }
    const m = /^\/api\/method\/([\w.]+)$/.exec(u.pathname);
    if (m) {
      const args: Doc = httpMethod === "GET" ? Object.fromEntries(u.searchParams) : body;
      return method(m[1]!, args, httpMethod, user, form);
    }
    throw new FrappeError(404, "DoesNotExistError", `Page ${u.pathname} not found`);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const send = (reply: Reply) => {
        requests.push({
          method: req.method ?? "GET",
          path: (req.url ?? "").split("?")[0]!,
          status: reply.status,
        });
        if (reply.raw) {
          res.writeHead(reply.status, { "content-type": reply.raw.contentType });
          res.end(reply.raw.content);
          return;
        }
        res.writeHead(reply.status, { "content-type": "application/json" });
        res.end(JSON.stringify(reply.body));
      };
      handle(req, Buffer.concat(chunks))
        .then(send)
        .catch((err: unknown) => {
          const e =
            err instanceof FrappeError
              ? err
              : new FrappeError(500, "Exception", String((err as Error)?.message ?? err));
          send({
            status: e.status,
            body: {
              exc_type: e.excType,
              exception: `frappe.exceptions.${e.excType}: ${e.message}`,
              _server_messages: JSON.stringify([
                JSON.stringify({
                  message: e.message,
                  title: "Message",
                  indicator: "red",
                  raise_exception: 1,
                }),
              ]),
            },
          });
        });
    });
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve),
  );
  const url = `http://${options.host ?? "127.0.0.1"}:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    seed(seed) {
      for (const [k, v] of Object.entries(seed.keys ?? {})) {
        keys.set(
          k,
          typeof v === "string"
            ? { secret: v, user: { name: "Administrator", roles: ["System Manager"] } }
            : { secret: v.secret, user: { name: v.user, roles: v.roles ?? [] } },
        );
      }
      const admin: User = { name: "Administrator", roles: [] };
      for (const [dt, def] of Object.entries(seed.doctypes ?? {})) defineDocType(site, dt, def);
      // Documents after every DocType, so links between seeded documents resolve in seed order.
      for (const [dt, def] of Object.entries(seed.doctypes ?? {})) {
        for (const { docstatus, ...d } of def.docs ?? []) {
          // A seeded document may start submitted or cancelled.
          const doc = insertDoc(site, dt, d, admin);
          if (docstatus !== undefined) doc["docstatus"] = Number(docstatus);
        }
      }
      for (const [name, report] of Object.entries(seed.reports ?? {})) site.reports.set(name, report);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
