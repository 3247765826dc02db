/**
 * The Jira emulator's own reading of Atlassian Document Format: written apart from the client's
 * converter (src/jira/adf.ts) on purpose, so a bug in the client is caught here rather than mirrored.
 * Jira Cloud's v3 API refuses a description or comment that is not an ADF document with 400
 * ("Operation value must be an Atlassian Document"); the emulator does too.
 */
type Obj = Record<string, unknown>;

const NODE_TYPES = new Set([
  "doc",
  "paragraph",
  "text",
  "heading",
  "bulletList",
  "orderedList",
  "listItem",
  "codeBlock",
  "blockquote",
  "rule",
  "hardBreak",
  "mention",
  "emoji",
  "inlineCard",
  "panel",
  "table",
  "tableRow",
  "tableHeader",
  "tableCell",
  "mediaSingle",
  "mediaGroup",
  "media",
  "date",
  "status",
  "expand",
  "nestedExpand",
]);

/** Why `value` is not an ADF document Jira would take, or undefined when it is. */
export function adfProblem(value: unknown): string | undefined {
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    return "Operation value must be an Atlassian Document (see the Atlassian Document Format)";
  }
  const doc = value as Obj;
  if (doc["type"] !== "doc" || doc["version"] !== 1 || !Array.isArray(doc["content"])) {
    return "Operation value must be an Atlassian Document (see the Atlassian Document Format)";
  }
  const stack: unknown[] = [...(doc["content"] as unknown[])];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!node || typeof node !== "object") return "ADF: every node must be an object";
    const n = node as Obj;
    if (typeof n["type"] !== "string" || !NODE_TYPES.has(n["type"])) {
      return `ADF: unknown node type ${JSON.stringify(n["type"])}`;
    }
    if (n["type"] === "text" && (typeof n["text"] !== "string" || n["text"] === "")) {
      return "ADF: a text node needs non-empty text";
    }
    if (n["content"] !== undefined) {
      if (!Array.isArray(n["content"])) return "ADF: content must be a list";
      stack.push(...(n["content"] as unknown[]));
    }
  }
  return undefined;
}

/** Seeded plain text, stored the way Jira stores it: one paragraph per line. */
export function paragraphs(text: string): Obj {
  const content: Obj[] = [];
  for (const line of text.split("\n")) {
    content.push(
      line === "" ? { type: "paragraph" } : { type: "paragraph", content: [{ type: "text", text: line }] },
    );
  }
  return { type: "doc", version: 1, content };
}

/** Every text of a document, in order, blocks separated by spaces (for JQL's `~`). */
export function searchableText(doc: unknown): string {
  const out: string[] = [];
  const walk = (node: unknown) => {
    if (!node || typeof node !== "object") return;
    const n = node as Obj;
    if (n["type"] === "text" && typeof n["text"] === "string") out.push(n["text"]);
    if (Array.isArray(n["content"])) for (const c of n["content"]) walk(c);
  };
  walk(doc);
  return out.join(" ");
}

/** A stored document as Data Center's REST v2 gives it: plain text, one line per block. */
export function docLines(doc: unknown): string {
  if (!doc || typeof doc !== "object") return "";
  const blocks = ((doc as Obj)["content"] as unknown[] | undefined) ?? [];
  const inline = (n: unknown): string => {
    const o = n as Obj;
    if (o?.["type"] === "text") return String(o["text"] ?? "");
    if (o?.["type"] === "hardBreak") return "\n";
    return ((o?.["content"] as unknown[] | undefined) ?? []).map(inline).join("");
  };
  return blocks.map(inline).join("\n");
}
