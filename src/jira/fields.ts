/**
 * Jira fields by name: the site's field catalogue (`GET /field`, system and custom fields with their
 * schemas), cached in the store for a few minutes per site, so `{"Story Points": 5, "Team": "Core"}`
 * becomes `{"customfield_10016": 5, "customfield_10001": {"value": "Core"}}` without the caller knowing
 * ids or the shapes each field type takes. An unknown name refreshes the catalogue once (a field added
 * since) before it is refused; an ambiguous one (two custom fields named alike) is refused with the ids
 * to choose from.
 */
import { validationError } from "../core/errors.js";
import type { Store } from "../store/types.js";
import { type JiraDeps, jiraRequest, plainText, richText, userRef } from "./client.js";

type Obj = Record<string, unknown>;

export interface JiraField {
  id: string;
  name: string;
  custom: boolean;
  /** Jira's schema of the field's value: type (string, number, option, array, user, ...), items, custom. */
  schema?: { type?: string; items?: string; custom?: string; system?: string };
}

const NS = "jira:fields";
/** How long a site's field catalogue is reused before it is read again. */
export const FIELD_CACHE_TTL_MS = 10 * 60_000;

async function readCatalogue(deps: JiraDeps, store: Store): Promise<JiraField[]> {
  const raw = await jiraRequest<Obj[]>(deps, { path: "/field" });
  const fields: JiraField[] = raw.map((f) => ({
    id: String(f["id"]),
    name: String(f["name"] ?? f["id"]),
    custom: f["custom"] === true,
    ...(f["schema"] ? { schema: f["schema"] as JiraField["schema"] } : {}),
  }));
  await store.set(NS, deps.site, JSON.stringify(fields), { ttlMs: FIELD_CACHE_TTL_MS });
  return fields;
}

/** The site's fields, from the store when read in the last FIELD_CACHE_TTL_MS. */
export async function fieldCatalogue(
  deps: JiraDeps,
  store: Store,
  options: { fresh?: boolean } = {},
): Promise<JiraField[]> {
  if (!options.fresh) {
    const cached = await store.get(NS, deps.site);
    if (cached) return JSON.parse(cached) as JiraField[];
  }
  return readCatalogue(deps, store);
}

function lookup(fields: JiraField[], nameOrId: string): JiraField[] {
  const byId = fields.filter((f) => f.id === nameOrId);
  if (byId.length > 0) return byId;
  const want = nameOrId.trim().toLowerCase();
  return fields.filter((f) => f.name.toLowerCase() === want);
}

/** The field a caller named (by name, case-insensitive, or id). */
export async function findField(deps: JiraDeps, store: Store, nameOrId: string): Promise<JiraField> {
  let hits = lookup(await fieldCatalogue(deps, store), nameOrId);
  if (hits.length === 0) hits = lookup(await fieldCatalogue(deps, store, { fresh: true }), nameOrId);
  if (hits.length === 1) return hits[0]!;
  if (hits.length > 1)
    throw validationError(
      `field name "${nameOrId}" is ambiguous: ${hits.map((f) => f.id).join(", ")}; use the id`,
    );
  throw validationError(
    `no Jira field named "${nameOrId}" (jira_list_fields shows the fields; ids like customfield_10016 work too)`,
  );
}

/** A value as the field's type takes it: options as {value}, users as references, rich text per deployment. */
function shape(deps: JiraDeps, f: JiraField, value: unknown): unknown {
  const t = f.schema?.type;
  const custom = f.schema?.custom ?? "";
  const one = (kind: string | undefined, v: unknown): unknown => {
    if (typeof v !== "string") return v;
    if (kind === "option") return { value: v };
    if (kind === "user") return userRef(deps, v);
    if (kind === "version" || kind === "component" || kind === "priority" || kind === "issuetype")
      return { name: v };
    if (kind === "project") return { key: v };
    return v;
  };
  if (t === "array") {
    const items = Array.isArray(value) ? value : [value];
    return items.map((v) => one(f.schema?.items, v));
  }
  if (t === "string" && custom.endsWith(":textarea") && typeof value === "string")
    return richText(deps, value);
  return one(t, value);
}

/** Fields named by name or id, as Jira's `fields` object (ids and shaped values). */
export async function resolveFields(deps: JiraDeps, store: Store, named: Obj): Promise<Obj> {
  const out: Obj = {};
  for (const [name, value] of Object.entries(named)) {
    const f = await findField(deps, store, name);
    if (f.id in out) throw validationError(`field ${f.id} is given twice ("${name}" and another name)`);
    out[f.id] = shape(deps, f, value);
  }
  return out;
}

/** A field value as a caller reads it: options' values, users' names, sprints' names, rich text as text. */
export function readableValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(readableValue);
  if (!value || typeof value !== "object") return value;
  const o = value as Obj;
  if (o["type"] === "doc") return plainText(o).trimEnd();
  for (const k of ["value", "displayName", "name", "key"])
    if (typeof o[k] === "string")
      return k === "name" && o["state"] ? { id: o["id"], name: o[k], state: o["state"] } : o[k];
  return o;
}
