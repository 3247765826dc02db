/** File attachments: upload a file (attached to a document or not) and list a document's attachments. */
import { z } from "zod";
import { ToolError } from "../../core/errors.js";
import { REMOTE_READ, REMOTE_WRITE } from "../../mcp/tool.js";
import { api, docName, doctype, type Obj, resource, tool } from "./common.js";

/** Largest upload accepted from a caller (Frappe's own default max_file_size is 10 MB). */
const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

const fileOut = (site: string, f: Obj) => ({
  name: f["name"],
  file_name: f["file_name"],
  file_url: f["file_url"],
  url: typeof f["file_url"] === "string" ? new URL(f["file_url"], `${site}/`).href : null,
  is_private: f["is_private"] === 1,
  file_size: f["file_size"] ?? null,
  ...(f["attached_to_doctype"]
    ? { attached_to: { doctype: f["attached_to_doctype"], name: f["attached_to_name"] } }
    : {}),
});

export const frappeUploadFile = tool({
  name: "frappe_upload_file",
  title: "Upload a file to Frappe",
  description:
    "Upload a file (text, or base64 for binary) to the site, attached to a document when doctype and name are given; private files need the site's login to read.",
  input: z.object({
    file_name: z
      .string()
      .min(1)
      .max(140)
      .regex(/^[^/\\]+$/, "a file name without a directory")
      .describe("File name, e.g. invoice.pdf."),
    content: z.string().max(14_000_000).describe("The file's content: text, or base64 with encoding=base64."),
    encoding: z.enum(["utf8", "base64"]).default("utf8").describe("How content is written."),
    doctype: doctype.optional().describe("Attach to a document of this DocType."),
    name: docName.optional().describe("Attach to this document."),
    is_private: z.boolean().default(true).describe("Private (login needed) or public file."),
  }),
  annotations: REMOTE_WRITE,
  async handler(input, ctx) {
    if ((input.doctype === undefined) !== (input.name === undefined)) {
      throw new ToolError("validation", "give both doctype and name to attach the file, or neither");
    }
    if (input.encoding === "base64" && !/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(input.content)) {
      throw new ToolError("validation", "content is not base64");
    }
    const bytes = Buffer.from(input.content, input.encoding);
    if (bytes.length > MAX_UPLOAD_BYTES) {
      throw new ToolError(
        "validation",
        `the file is ${bytes.length} bytes; at most ${MAX_UPLOAD_BYTES} are uploaded`,
      );
    }
    const form = new FormData();
    form.set("file", new Blob([bytes]), input.file_name);
    form.set("file_name", input.file_name);
    form.set("is_private", input.is_private ? "1" : "0");
    if (input.doctype && input.name) {
      form.set("doctype", input.doctype);
      form.set("docname", input.name);
    }
    const res = await api(ctx, "POST", "api/method/upload_file", { form });
    return fileOut(ctx.deps.frappe.site, (res["message"] ?? {}) as Obj);
  },
});

export const frappeListAttachments = tool({
  name: "frappe_list_attachments",
  title: "List a Frappe document's attachments",
  description: "The files attached to a document: names, URLs, sizes, private or public.",
  input: z.object({ doctype, name: docName }),
  annotations: REMOTE_READ,
  async handler(input, ctx) {
    const res = await api(ctx, "GET", resource("File"), {
      query: {
        fields: [
          "name",
          "file_name",
          "file_url",
          "is_private",
          "file_size",
          "attached_to_doctype",
          "attached_to_name",
        ],
        filters: [
          ["attached_to_doctype", "=", input.doctype],
          ["attached_to_name", "=", input.name],
        ],
        order_by: "creation asc",
        limit_page_length: "0",
      },
    });
    const files = ((res["data"] as Obj[] | undefined) ?? []).map((f) => fileOut(ctx.deps.frappe.site, f));
    return { doctype: input.doctype, name: input.name, files };
  },
});
