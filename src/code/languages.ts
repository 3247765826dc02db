/**
 * Language detection (extension, then shebang) and the tree-sitter grammar each language uses.
 */
import { basename, extname } from "node:path";

const BY_EXT: Record<string, string> = {
  ".ts": "typescript",
  ".mts": "typescript",
  ".cts": "typescript",
  ".tsx": "tsx",
  ".js": "javascript",
  ".mjs": "javascript",
  ".cjs": "javascript",
  ".jsx": "javascript",
  ".py": "python",
  ".pyi": "python",
  ".go": "go",
  ".rs": "rust",
  ".java": "java",
  ".c": "c",
  ".h": "c",
  ".cc": "cpp",
  ".cpp": "cpp",
  ".cxx": "cpp",
  ".hpp": "cpp",
  ".hh": "cpp",
  ".hxx": "cpp",
  ".cs": "csharp",
  ".rb": "ruby",
  ".php": "php",
  ".md": "markdown",
  ".markdown": "markdown",
  ".mdx": "markdown",
  ".rst": "rst",
  ".txt": "text",
  ".json": "json",
  ".yaml": "yaml",
  ".yml": "yaml",
  ".toml": "toml",
  ".sh": "shell",
  ".bash": "shell",
  ".kt": "kotlin",
  ".swift": "swift",
  ".scala": "scala",
  ".lua": "lua",
  ".html": "html",
  ".css": "css",
  ".scss": "css",
  ".sql": "sql",
  ".vue": "vue",
  ".ini": "ini",
  ".cfg": "ini",
  ".xml": "xml",
};

const BY_NAME: Record<string, string> = {
  Dockerfile: "dockerfile",
  Makefile: "make",
  Rakefile: "ruby",
  Gemfile: "ruby",
};

const SHEBANG: [RegExp, string][] = [
  [/python/, "python"],
  [/\bnode\b|deno|bun/, "javascript"],
  [/ruby/, "ruby"],
  [/php/, "php"],
  [/\b(ba|z|da)?sh\b/, "shell"],
];

/** Languages chunked by tree-sitter, with the grammar file name in tree-sitter-wasms. */
export const GRAMMARS: Record<string, string> = {
  typescript: "typescript",
  tsx: "tsx",
  javascript: "javascript",
  python: "python",
  go: "go",
  rust: "rust",
  java: "java",
  c: "c",
  cpp: "cpp",
  csharp: "c_sharp",
  ruby: "ruby",
  php: "php",
};

/**
 * `table[key]` when the table itself has it. A plain index would also find Object's prototype: a file named
 * `constructor` or `toString` got a function for its language, and its repository could not be indexed.
 */
export function ownEntry(table: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** The language of a file from its name, or from the shebang in its first line; "text" otherwise. */
export function detectLanguage(path: string, firstLine?: string): string {
  const name = basename(path);
  const byName = ownEntry(BY_NAME, name);
  if (byName) return byName;
  const ext = extname(name).toLowerCase();
  const byExt = ownEntry(BY_EXT, ext);
  if (byExt) return byExt;
  if (firstLine?.startsWith("#!")) {
    for (const [re, lang] of SHEBANG) if (re.test(firstLine)) return lang;
  }
  return "text";
}
