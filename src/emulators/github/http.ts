/**
 * The emulator's small HTTP toolkit: a route table with `:param` and `*rest` segments, GitHub-style
 * errors, Link pagination.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { Urls } from "./payloads.js";

export interface EmuRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** The authenticated user's login. */
  login: string;
  urls: Urls;
  /** Full URL of this request, for Link headers. */
  url: URL;
}

export interface EmuResponse {
  status: number;
  body?: unknown;
  /** Sent as-is instead of JSON. */
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export type Handler = (req: EmuRequest) => Promise<EmuResponse> | EmuResponse;

const DOCS = "https://docs.github.com/rest";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Record<string, unknown>[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  toBody(): Record<string, unknown> {
    return {
      message: this.message,
      ...(this.errors ? { errors: this.errors } : {}),
      documentation_url: DOCS,
      status: String(this.status),
    };
  }
}

export const notFound = () => new HttpError(404, "Not Found");

/** 422 "Validation Failed" with one error entry, as GitHub reports a bad field. */
export function invalid(resource: string, field: string, code = "invalid", message?: string): HttpError {
  return new HttpError(422, "Validation Failed", [
    { resource, field, code, ...(message ? { message } : {}) },
  ]);
}

interface Route {
  method: string;
  parts: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  on(method: string, pattern: string, handler: Handler): void {
    this.routes.push({ method, parts: pattern.split("/").filter(Boolean), handler });
  }

  match(
    method: string,
    path: string,
  ): { handler: Handler; params: Record<string, string> } | "method" | null {
    const segs = path.split("/").filter(Boolean);
    let methodMismatch = false;
    for (const r of this.routes) {
      const params = matchParts(r.parts, segs);
      if (!params) continue;
      if (r.method !== method) {
        methodMismatch = true;
        continue;
      }
      return { handler: r.handler, params };
    }
    return methodMismatch ? "method" : null;
  }
}

function matchParts(parts: string[], segs: string[]): Record<string, string> | null {
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.startsWith("*")) {
      if (i >= segs.length) return null;
      params[p.slice(1)] = segs.slice(i).map(decodeURIComponent).join("/");
      return params;
    }
    const s = segs[i];
    if (s === undefined) return null;
    if (p.startsWith(":")) params[p.slice(1)] = decodeURIComponent(s);
    else if (p !== s) return null;
  }
  return parts.length === segs.length ? params : null;
}

export function perPage(req: EmuRequest): { page: number; perPage: number } {
  const per = Math.min(100, Math.max(1, Number(req.query.get("per_page") ?? 30) || 30));
  const page = Math.max(1, Number(req.query.get("page") ?? 1) || 1);
  return { page, perPage: per };
}

/** One page of `items` with GitHub's Link header (first/prev/next/last). */
export function paginate(
  req: EmuRequest,
  items: unknown[],
  wrap?: (page: unknown[]) => unknown,
): EmuResponse {
  const { page, perPage: per } = perPage(req);
  const last = Math.max(1, Math.ceil(items.length / per));
  const slice = items.slice((page - 1) * per, page * per);
  const link = (p: number, rel: string) => {
    const u = new URL(req.url.toString());
    u.searchParams.set("page", String(p));
    u.searchParams.set("per_page", String(per));
    return `<${u.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, "prev"));
  if (page < last) links.push(link(page + 1, "next"));
  if (page < last) links.push(link(last, "last"));
  if (page > 1) links.push(link(1, "first"));
  return {
    status: 200,
    body: wrap ? wrap(slice) : slice,
    headers: links.length > 0 ? { link: links.join(", ") } : {},
  };
}

export function str(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  return typeof v === "string" ? v : undefined;
}

export function int(value: string | undefined, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new HttpError(404, `Not Found (${what})`);
  return n;
}
