/**
 * A Frappe / ERPNext emulator: the REST endpoints the frappe toolset uses (`/api/resource`, `/api/method`),
 * with state, token auth (`Authorization: token key:secret`), list filters, field selection, paging and
 * ordering, mandatory fields, and Frappe's error bodies (`exc_type`, `_server_messages`), so the toolset
 * can be tested over real HTTP on loopback.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

type Doc = Record<string, unknown>;

export interface FrappeSeed {
  /** api_key -> api_secret; the first pair's user is `Administrator`. */
  keys?: Record<string, string>;
  /** Doctype -> its mandatory fields, and its documents (each with a `name`, or one is given). */
  doctypes?: Record<string, { mandatory?: string[]; docs?: Doc[] }>;
}

export interface FrappeEmulator {
  url: string;
  requests: { method: string; path: string; status: number }[];
  seed(seed: FrappeSeed): void;
  close(): Promise<void>;
}

class FrappeError extends Error {
  constructor(
    readonly status: number,
    readonly excType: string,
    message: string,
  ) {
    super(message);
  }
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
function parseFilters(raw: string | null): Filter[] {
  if (!raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new FrappeError(417, "ValidationError", "filters must be JSON");
  }
  if (Array.isArray(parsed)) return parsed.map((f) => (f as unknown[]).slice(-3) as Filter);
  return Object.entries(parsed as Doc).map(([k, v]) =>
    Array.isArray(v) ? [k, String(v[0]), v[1]] : [k, "=", v],
  );
}

export async function createFrappeEmulator(
  options: { port?: number; host?: string } = {},
): Promise<FrappeEmulator> {
  const keys = new Map<string, string>();
  const doctypes = new Map<string, { mandatory: string[]; docs: Doc[] }>();
  const requests: FrappeEmulator["requests"] = [];
  let counter = 0;
  const now = () => new Date().toISOString().replace("T", " ").replace("Z", "");

  const auth = (req: IncomingMessage) => {
    const m = /^token ([^:]+):(.+)$/i.exec(req.headers.authorization ?? "");
    if (!m || (keys.size > 0 && keys.get(m[1]!) !== m[2])) {
      throw new FrappeError(401, "AuthenticationError", "Invalid login credentials");
    }
  };
  const doctype = (name: string) => {
    const d = doctypes.get(name);
    if (!d) throw new FrappeError(404, "DoesNotExistError", `DocType ${name} not found`);
    return d;
  };
  const find = (dt: string, name: string) => {
    const doc = doctype(dt).docs.find((d) => d["name"] === name);
    if (!doc) throw new FrappeError(404, "DoesNotExistError", `${dt} ${name} not found`);
    return doc;
  };
  const stamp = (dt: string, doc: Doc): Doc => {
    const t = now();
    return {
      ...doc,
      name: doc["name"] ?? `${dt.replace(/\s+/g, "-").toUpperCase()}-${String(++counter).padStart(5, "0")}`,
      doctype: dt,
      owner: "Administrator",
      creation: doc["creation"] ?? t,
      modified: t,
      docstatus: 0,
    };
  };

  const handle = async (req: IncomingMessage, body: Doc): Promise<{ status: number; body: unknown }> => {
    auth(req);
    const u = new URL(req.url ?? "/", "http://localhost");
    const method = req.method ?? "GET";
    const res = /^\/api\/resource\/([^/]+)(?:\/([^/]+))?$/.exec(u.pathname);
    if (res) {
      const dt = decodeURIComponent(res[1]!);
      const name = res[2] ? decodeURIComponent(res[2]) : undefined;
      const d = doctype(dt);
      if (!name && method === "GET") {
        const filters = parseFilters(u.searchParams.get("filters"));
        let docs = d.docs.filter((doc) => filters.every((f) => matches(doc, f)));
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
      if (!name && method === "POST") {
        const missing = d.mandatory.filter(
          (f) => body[f] === undefined || body[f] === null || body[f] === "",
        );
        if (missing.length > 0) {
          throw new FrappeError(417, "MandatoryError", `[${dt}]: ${missing.join(", ")}`);
        }
        if (body["name"] !== undefined && d.docs.some((x) => x["name"] === body["name"])) {
          throw new FrappeError(409, "DuplicateEntryError", `${dt} ${String(body["name"])} already exists`);
        }
        const doc = stamp(dt, body);
        d.docs.push(doc);
        return { status: 200, body: { data: doc } };
      }
      if (name && method === "GET") return { status: 200, body: { data: find(dt, name) } };
      if (name && method === "PUT") {
        const doc = find(dt, name);
        for (const f of d.mandatory) {
          if (f in body && (body[f] === null || body[f] === ""))
            throw new FrappeError(417, "MandatoryError", `[${dt}, ${name}]: ${f}`);
        }
        Object.assign(doc, body, { name, modified: now() });
        return { status: 200, body: { data: doc } };
      }
      if (name && method === "DELETE") {
        find(dt, name);
        d.docs = d.docs.filter((x) => x["name"] !== name);
        return { status: 202, body: { data: "ok" } };
      }
    }
    const m = /^\/api\/method\/([\w.]+)$/.exec(u.pathname);
    if (m) {
      const args: Doc = method === "GET" ? Object.fromEntries(u.searchParams) : body;
      if (m[1] === "frappe.auth.get_logged_user") return { status: 200, body: { message: "Administrator" } };
      if (m[1] === "frappe.client.get_count") {
        const d = doctype(String(args["doctype"]));
        const filters = parseFilters(
          typeof args["filters"] === "string"
            ? args["filters"]
            : args["filters"]
              ? JSON.stringify(args["filters"])
              : null,
        );
        return {
          status: 200,
          body: { message: d.docs.filter((doc) => filters.every((f) => matches(doc, f))).length },
        };
      }
      throw new FrappeError(404, "DoesNotExistError", `Failed to get method for command ${m[1]}`);
    }
    throw new FrappeError(404, "DoesNotExistError", `Page ${u.pathname} not found`);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const send = (status: number, body: unknown) => {
        requests.push({ method: req.method ?? "GET", path: (req.url ?? "").split("?")[0]!, status });
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      let body: Doc = {};
      try {
        const text = Buffer.concat(chunks).toString("utf8");
        body = text ? (JSON.parse(text) as Doc) : {};
      } catch {
        return send(400, { exc_type: "ValidationError", exception: "Invalid JSON body" });
      }
      handle(req, body)
        .then((r) => send(r.status, r.body))
        .catch((err: unknown) => {
          const e =
            err instanceof FrappeError
              ? err
              : new FrappeError(500, "Exception", String((err as Error)?.message ?? err));
          send(e.status, {
            exc_type: e.excType,
            exception: `frappe.exceptions.${e.excType}: ${e.message}`,
            _server_messages: JSON.stringify([
              JSON.stringify({ message: e.message, title: "Message", indicator: "red" }),
            ]),
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
      for (const [k, v] of Object.entries(seed.keys ?? {})) keys.set(k, v);
      for (const [dt, def] of Object.entries(seed.doctypes ?? {})) {
        doctypes.set(dt, { mandatory: def.mandatory ?? [], docs: (def.docs ?? []).map((d) => stamp(dt, d)) });
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
