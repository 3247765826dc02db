/** Atlassian Document Format, the rich-text JSON of Jira Cloud's API v3: to and from plain text. */
type Obj = Record<string, unknown>;

/** Plain text as an ADF document, one paragraph per line. */
export function textToAdf(text: string): Obj {
  return {
    type: "doc",
    version: 1,
    content: text.split("\n").map((line) => ({
      type: "paragraph",
      content: line ? [{ type: "text", text: line }] : [],
    })),
  };
}

/** The plain text of an ADF document. */
export function adfText(node: unknown): string {
  if (!node || typeof node !== "object") return "";
  const n = node as { type?: string; text?: string; content?: unknown[] };
  if (n.type === "text") return n.text ?? "";
  const inner = (n.content ?? []).map(adfText);
  const block = ["paragraph", "heading", "listItem", "codeBlock", "blockquote"].includes(n.type ?? "");
  return block ? `${inner.join("")}\n` : inner.join("");
}
