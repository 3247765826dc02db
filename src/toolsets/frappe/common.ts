/** What the frappe toolset's tools share: their context, the call to the site, and input fragments. */
import { z } from "zod";
import type { FrappeClient, FrappeRequest } from "../../frappe/client.js";
import { type ToolContext, toolFor } from "../../mcp/tool.js";

export type Obj = Record<string, unknown>;

export interface FrappeDeps {
  /** The process's Frappe client (services.clients.frappe()): its breaker, auth and error mapping. */
  frappe: FrappeClient;
}

export type Ctx = ToolContext<FrappeDeps>;

export const tool = toolFor<FrappeDeps>();

/** One call to the site, within the tool call's signal. */
export function api(
  ctx: Ctx,
  method: string,
  path: string,
  options: Omit<FrappeRequest, "signal"> = {},
): Promise<Obj> {
  return ctx.deps.frappe.request(method, path, { ...options, signal: ctx.signal });
}

export const resource = (dt: string, name?: string) =>
  `api/resource/${encodeURIComponent(dt)}${name === undefined ? "" : `/${encodeURIComponent(name)}`}`;

export const doctype = z
  .string()
  .min(1)
  .max(140)
  .regex(/^[A-Za-z][\w ]*$/, "a DocType name like Customer or Sales Order")
  .describe("DocType, e.g. Customer, Sales Order, Item.");

export const docName = z
  .string()
  .min(1)
  .max(140)
  .describe("The document's name (its id, e.g. SO-00042 or the customer name).");

/** The document of a `data` answer. */
export const dataOf = (res: Obj) => (res["data"] ?? {}) as Obj;

export const DOCSTATUS = ["draft", "submitted", "cancelled"] as const;
