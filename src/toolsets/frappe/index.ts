/**
 * The frappe toolset: documents of a Frappe / ERPNext site (customers, sales orders, items, any DocType)
 * through its REST API: DocType metadata, list with filters, get, create, update, delete; the docstatus
 * life cycle (submit, cancel, amend); file attachments; reports; whitelisted methods. It talks to the
 * site through the process's Frappe client (src/frappe/client.ts, `services.clients.frappe()`): token
 * auth of an integration user (the site's own permissions apply), one breaker, Frappe's errors mapped
 * to the error shape with their own messages.
 */
import { missingFrappeCredentials } from "../../frappe/client.js";
import type { Tool } from "../../mcp/tool.js";
import { defineToolset } from "../../mcp/tool.js";
import type { FrappeDeps } from "./common.js";
import {
  frappeCallMethod,
  frappeCreateDoc,
  frappeDeleteDoc,
  frappeGetDoc,
  frappeListDocs,
  frappeUpdateDoc,
} from "./docs.js";
import { frappeListAttachments, frappeUploadFile } from "./files.js";
import { frappeAmendDoc, frappeCancelDoc, frappeSubmitDoc } from "./lifecycle.js";
import { frappeGetDoctype } from "./meta.js";
import { frappeRunReport } from "./reports.js";

export const frappeToolset = defineToolset<FrappeDeps>({
  name: "frappe",
  description:
    "Frappe / ERPNext: DocType metadata, documents (list, get, create, update, delete), submit / cancel / amend, file attachments, reports, whitelisted methods (FRAPPE_URL + API key).",
  tools: [
    frappeGetDoctype,
    frappeListDocs,
    frappeGetDoc,
    frappeCreateDoc,
    frappeUpdateDoc,
    frappeDeleteDoc,
    frappeSubmitDoc,
    frappeCancelDoc,
    frappeAmendDoc,
    frappeUploadFile,
    frappeListAttachments,
    frappeRunReport,
    frappeCallMethod,
  ] as unknown as Tool<never, FrappeDeps>[],
  unavailable: (config) => missingFrappeCredentials(config.frappe),
  // The client is the process's (built once by the composition root), not the toolset's.
  init: (services) => ({ frappe: services.clients.frappe() }),
});
