/** PDF text, with unpdf (pdf.js built for servers, no native parts); loaded on first use. */
export interface PdfText {
  pages: number;
  text: string;
}

export async function pdfText(bytes: Uint8Array): Promise<PdfText> {
  const { extractText, getDocumentProxy } = await import("unpdf");
  const doc = await getDocumentProxy(new Uint8Array(bytes));
  try {
    const { totalPages, text } = await extractText(doc, { mergePages: false });
    return {
      pages: totalPages,
      text: text
        .map((t, i) => (totalPages > 1 ? `--- page ${i + 1} ---\n${t.trim()}` : t.trim()))
        .join("\n\n"),
    };
  } finally {
    await doc.destroy();
  }
}
