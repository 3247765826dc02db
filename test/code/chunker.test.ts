import { describe, expect, it } from "vitest";
import { chunkFile } from "../../src/code/chunker.js";
import { detectLanguage } from "../../src/code/languages.js";
import { pathTokens, splitIdentifier, tokenize } from "../../src/code/tokenize.js";
import { analyzeQuery } from "../../src/toolsets/code/query.js";

const SAMPLES: [string, string, string, string[]][] = [
  [
    "typescript",
    "a.ts",
    "import x from 'y';\n/** Makes one. */\nexport function createSession(user: string) {\n  return user;\n}\nexport class Store {\n  get(key: string) {\n    return key;\n  }\n}\nexport const helper = () => 1;\ninterface Shape { a: number }\n",
    ["createSession", "Store", "Store.get", "helper", "Shape"],
  ],
  [
    "tsx",
    "a.tsx",
    "export function Button(props: { label: string }) {\n  return <b>{props.label}</b>;\n}\n",
    ["Button"],
  ],
  [
    "javascript",
    "a.js",
    "function parse(s) {\n  return s;\n}\nclass Lexer {\n  next() {\n    return 1;\n  }\n}\n",
    ["parse", "Lexer", "Lexer.next"],
  ],
  [
    "python",
    "a.py",
    'import os\n\n\nclass Session:\n    """A session."""\n    ttl = 3\n\n    @property\n    def expired(self):\n        return False\n\n\ndef token_ttl():\n    return 5\n',
    ["Session", "Session.expired", "token_ttl"],
  ],
  [
    "go",
    "a.go",
    "package main\n\ntype Server struct{}\n\nfunc (s *Server) Start() error {\n\treturn nil\n}\n\nfunc main() {}\n",
    ["Server", "Start", "main"],
  ],
  [
    "rust",
    "a.rs",
    "struct Point { x: i32 }\nimpl Point {\n    fn norm(&self) -> i32 { self.x }\n}\nfn main() {}\n",
    ["Point", "Point.norm", "main"],
  ],
  [
    "java",
    "A.java",
    "package a;\npublic class Account {\n  public Account() {}\n  public int balance() { return 0; }\n}\n",
    ["Account", "Account.Account", "Account.balance"],
  ],
  [
    "c",
    "a.c",
    "#include <stdio.h>\nstruct node { int v; };\nint add(int a, int b) {\n  return a + b;\n}\n",
    ["node", "add"],
  ],
  [
    "cpp",
    "a.cpp",
    "namespace geo {\nclass Circle {\n public:\n  double area() const { return 1.0; }\n};\n}\nint main() { return 0; }\n",
    ["geo", "geo.Circle", "geo.Circle.area", "main"],
  ],
  [
    "csharp",
    "A.cs",
    "namespace App {\n  public class Invoice {\n    public decimal Total() { return 0; }\n  }\n}\n",
    ["App", "App.Invoice", "App.Invoice.Total"],
  ],
  [
    "ruby",
    "a.rb",
    "module Billing\n  class Charge\n    def refund\n      true\n    end\n  end\nend\n",
    ["Billing", "Billing.Charge", "Billing.Charge.refund"],
  ],
  [
    "php",
    "a.php",
    "<?php\nfunction greet($n) { return $n; }\nclass Mailer {\n  public function send($to) { return true; }\n}\n",
    ["greet", "Mailer", "Mailer.send"],
  ],
];

describe("chunker", () => {
  for (const [lang, file, source, symbols] of SAMPLES) {
    it(`finds the definitions of ${lang}`, async () => {
      expect(detectLanguage(file)).toBe(lang);
      const chunks = await chunkFile(file, lang, source);
      const found = chunks.map((c) => c.symbol).filter(Boolean);
      for (const s of symbols) expect(found).toContain(s);
      // Every line belongs to a chunk.
      const lines = source.split("\n").length - 1;
      for (let l = 1; l <= lines; l++) {
        if (!source.split("\n")[l - 1]!.trim()) continue;
        expect(chunks.some((c) => c.startLine <= l && c.endLine >= l)).toBe(true);
      }
      for (const c of chunks) {
        expect(c.hash).toMatch(/^[0-9a-f]{32}$/);
        expect(c.context.startsWith(file)).toBe(true);
      }
    });
  }

  it("keeps the docstring and enclosing signature as context", async () => {
    const chunks = await chunkFile("s.py", "python", SAMPLES[3]![2]);
    const expired = chunks.find((c) => c.symbol === "Session.expired")!;
    expect(expired.kind).toBe("function");
    expect(expired.context).toContain("class Session:");
    expect(expired.startLine).toBe(8); // the decorator belongs to the method
  });

  it("splits markdown by heading and other text by overlapping line windows", async () => {
    const md = await chunkFile(
      "README.md",
      "markdown",
      "# Title\nintro\n## Install\nnpm i\n```\n# not a heading\n```\n",
    );
    expect(md.map((c) => c.symbol)).toEqual(["Title", "Install"]);
    const text = Array.from({ length: 130 }, (_, i) => `line ${i}`).join("\n");
    const win = await chunkFile("notes.txt", "text", text);
    expect(win.length).toBe(3);
    expect(win[1]!.startLine).toBeLessThan(win[0]!.endLine);
    expect(win.at(-1)!.endLine).toBe(130);
  });

  it("detects languages by shebang", () => {
    expect(detectLanguage("bin/tool", "#!/usr/bin/env python3")).toBe("python");
    expect(detectLanguage("bin/run", "#!/usr/bin/env node")).toBe("javascript");
    expect(detectLanguage("LICENSE")).toBe("text");
  });
});

describe("tokenizer and query analysis", () => {
  it("splits identifiers and keeps them whole", () => {
    expect(splitIdentifier("parseHTTPResponse2")).toEqual(["parse", "http", "response2"]);
    const toks = tokenize("const tokenTtl = auth.token_ttl;");
    expect(toks).toEqual(
      expect.arrayContaining(["tokenttl", "token", "ttl", "auth.token_ttl", "auth", "token_ttl"]),
    );
    expect(pathTokens("xarray/core/dataset.py")).toEqual(
      expect.arrayContaining(["xarray/core/dataset.py", "xarray.core.dataset", "dataset", "core"]),
    );
  });

  it("extracts paths, dotted names, identifiers and frames from an issue", () => {
    const q = analyzeQuery(
      'Calling `Dataset.to_zarr` fails\nTraceback (most recent call last):\n  File "/site-packages/xarray/backends/zarr.py", line 12, in encode_zarr_attr\nValueError\nsee sphinx.ext.autodoc for more',
    );
    expect(q.paths).toContain("/site-packages/xarray/backends/zarr.py");
    expect(q.dotted).toEqual(expect.arrayContaining(["Dataset.to_zarr", "sphinx.ext.autodoc"]));
    expect(q.identifiers.get("encode_zarr_attr")).toBe(3);
    expect(q.identifiers.has("to_zarr")).toBe(true);
  });
});
