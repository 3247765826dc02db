/**
 * How an issue-length query is read, seen through search_codebase over MCP on a small linter-like tree:
 * stack frames of Node, Go and Java point at the repository files they name (whatever absolute prefix or
 * package cache the reporter's machine put in front), a hyphenated rule name finds the file named after it,
 * and an issue template's questions and headings do not pull up the file that asks the same questions.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyzeQuery } from "../../src/toolsets/code/query.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { write } from "./fixture.js";

/** A rule module of the fixture linter: reports one node type. */
const rule = (node: string, message: string, extra = "") => `"use strict";

module.exports = {
  meta: { type: "problem", docs: { description: ${JSON.stringify(message)} }, fixable: "code" },
  create(context) {
    return {
      ${node}(node) {
        context.report({ node, message: ${JSON.stringify(message)} });
      },
    };
  },
};
${extra}`;

function makeLinterRepo(): string {
  const root = mkdtempSync(join(tmpdir(), "rw-code-rules-"));
  write(root, "lib/rules/no-debugger.js", rule("DebuggerStatement", "Unexpected 'debugger' statement."));
  // Fixable rules about statements: the words of a "remove this fixer" issue, without its rule's name.
  write(
    root,
    "lib/rules/padding-line-between-statements.js",
    rule(
      "Program",
      "Expected blank line before this statement.",
      `
/** The fixer inserts a blank line after the previous statement. */
function fixPadding(fixer, prev) {
  return fixer.insertTextAfter(prev, "\\n");
}
`,
    ),
  );
  write(root, "lib/rules/no-console.js", rule("MemberExpression", "Unexpected console statement."));
  write(
    root,
    "lib/rules/no-useless-constructor.js",
    rule(
      "MethodDefinition",
      "Useless constructor.",
      `
function isRedundantSuperCall(body, params) {
  return body.length === 1 && body[0].expression.callee.type === "Super" && params.length === 0;
}
`,
    ),
  );
  write(root, "lib/rules/no-octal.js", rule("Literal", "Octal literals should not be used."));
  write(
    root,
    "lib/linter.js",
    `"use strict";
/** Parses a file, reads its directive comments, runs every configured rule over it and collects problems. */
const SourceCodeFixer = require("./util/source-code-fixer");
const NodeEventGenerator = require("./util/node-event-generator");

/** Directive comments: \`eslint-disable\`, \`eslint-enable\`, \`global\` and inline rule configuration. */
function getDirectiveComments(ast) {
  const directives = [];
  for (const comment of ast.comments) {
    const match = /^\\s*(eslint-disable|eslint-enable|global|eslint)\\b(.*)/u.exec(comment.value);
    if (match) directives.push({ kind: match[1], value: match[2].trim(), loc: comment.loc });
  }
  return directives;
}

/** Resolves the parser options, the environments and the globals of a configuration. */
function resolveParserOptions(config) {
  const env = Object.keys(config.env || {}).filter((name) => config.env[name]);
  const globals = Object.assign({}, ...env.map((name) => ({ [name]: "readonly" })), config.globals);
  return { ecmaVersion: 2018, sourceType: "script", ...config.parserOptions, env, globals };
}

class Linter {
  verify(text, config) {
    const ast = this.parse(text, resolveParserOptions(config));
    const directives = getDirectiveComments(ast);
    const problems = [];
    for (const [name, rule] of Object.entries(config.rules)) {
      const listeners = rule.create({ report: (p) => problems.push({ ...p, ruleId: name }) });
      for (const type of Object.keys(listeners)) this.emitter.on(type, listeners[type]);
    }
    new NodeEventGenerator(this.emitter).enterNode(ast);
    return problems.filter((p) => !directives.some((d) => d.kind === "eslint-disable" && d.loc.start.line <= p.line));
  }

  /** Lints, then applies the fixes of the fixable problems and lints the output again. */
  verifyAndFix(text, config) {
    const problems = this.verify(text, config);
    const fixed = SourceCodeFixer.applyFixes(text, problems.filter((p) => p.fix));
    return { fixed: fixed.fixed, output: fixed.output, problems };
  }
}

module.exports = { Linter };
`,
  );
  write(
    root,
    "lib/util/source-code-fixer.js",
    `"use strict";
/** Applies fixes to source text: each fix from a rule's fixer replaces a range; overlapping fixes wait. */
function applyFixes(text, problems) {
  let output = "";
  let last = 0;
  for (const p of problems.sort((a, b) => a.fix.range[0] - b.fix.range[0])) {
    if (p.fix.range[0] < last) continue;
    output += text.slice(last, p.fix.range[0]) + p.fix.text;
    last = p.fix.range[1];
  }
  return { fixed: last > 0, output: output + text.slice(last) };
}

module.exports = { applyFixes };
`,
  );
  write(
    root,
    "lib/util/node-event-generator.js",
    `"use strict";
/** Walks the syntax tree and emits each node's type to the rules listening for it. */
class NodeEventGenerator {
  constructor(emitter) {
    this.emitter = emitter;
  }
  enterNode(node) {
    this.emitter.emit(node.type, node);
  }
  leaveNode(node) {
    this.emitter.emit(\`\${node.type}:exit\`, node);
  }
}
module.exports = NodeEventGenerator;
`,
  );
  write(
    root,
    "lib/init/config-initializer.js",
    `"use strict";
/** The --init wizard: asks about the environment and the configuration, then writes a config file. */
const questions = [
  { name: "env", message: "Tell us about your environment: which environments does your code run in?" },
  { name: "parser", message: "What parser are you using? (default, Babel-ESLint, etc.)" },
  { name: "config", message: "Please show your full configuration, or pick a popular style guide" },
  { name: "expect", message: "What did you expect to happen when the linter reports a problem?" },
  { name: "version", message: "Which version and which Node version and npm version do you use?" },
  { name: "format", message: "What format do you want your configuration file to be in?" },
];

function promptUser(answers) {
  return questions.map((q) => ({ question: q.message, answer: answers[q.name] }));
}

module.exports = { promptUser, questions };
`,
  );
  // Go: two packages with a flush.go each; Java: two classes named Flusher in different packages.
  write(
    root,
    "pkg/store/flush.go",
    "package store\n\n// Store keeps entries until they are written.\ntype Store struct{ entries []string }\n\n// Flush writes the entries out.\nfunc (s *Store) Flush() error {\n\tfor range s.entries {\n\t}\n\treturn nil\n}\n",
  );
  write(
    root,
    "pkg/cache/flush.go",
    "package cache\n\n// Cache keeps values in memory; a nil cache panics on flush.\ntype Cache struct{ values map[string]string }\n\n// Flush drops the values; calling it on a nil cache panics with a nil pointer dereference.\nfunc (c *Cache) Flush() error {\n\tc.values = nil\n\treturn nil\n}\n",
  );
  write(
    root,
    "src/main/java/com/acme/store/Flusher.java",
    "package com.acme.store;\n\npublic class Flusher {\n  public void flushAll(java.util.List<String> entries) {\n    for (String e : entries) {\n      write(e);\n    }\n  }\n  private void write(String e) {}\n}\n",
  );
  write(
    root,
    "src/main/java/com/acme/cache/Flusher.java",
    "package com.acme.cache;\n\n/** Drops every cached entry. */\npublic class Flusher {\n  public void flushAll(java.util.List<String> entries) {\n    entries.clear();\n  }\n}\n",
  );
  return root;
}

describe("reading an issue's traces, names and template", () => {
  let app: TestApp;
  let repo: string;

  beforeAll(async () => {
    repo = makeLinterRepo();
    app = await startTestApp({ env: { REPOWRIGHT_TOOLSETS: "code" } });
    const r = await app.call("index_repository", { path: repo });
    expect(r.isError).toBe(false);
  }, 60_000);
  afterAll(async () => {
    await app.close();
    rmSync(repo, { recursive: true, force: true });
  });

  const files = async (query: string) => {
    const r = await app.call("search_codebase", { path: repo, query, granularity: "file", k: 10 });
    expect(r.isError).toBe(false);
    return (r.data as { results: { path: string }[] }).results.map((h) => h.path);
  };

  it("ranks the file a hyphenated rule name names first, above the files about the words of the issue", async () => {
    const issue = [
      "Remove fixer from no-debugger rule",
      "",
      "With the fixer of no-debugger, my editor removes the debugger statement the moment I save the file,",
      "so I have to put a disable comment before each debugger statement I want to keep for a while.",
      "Please remove the fixer or make it optional: for this rule it is not worth it.",
    ].join("\n");
    expect((await files(issue))[0]).toBe("lib/rules/no-debugger.js");
  });

  it("ranks the repository files of a Node trace first, whatever prefix the reporter's machine had", async () => {
    const issue = [
      "TypeError: Cannot read property 'type' of undefined",
      "",
      "Linting a class whose constructor has an unused parameter crashes. It happens every time on this",
      "file, with the default configuration, since I upgraded. The output is below.",
      "",
      "```",
      "TypeError: Cannot read property 'type' of undefined",
      "    at isRedundantSuperCall (/home/me/project/node_modules/eslint/lib/rules/no-useless-constructor.js:3:25)",
      "    at emitOne (events.js:82:20)",
      "    at EventEmitter.emit (events.js:169:7)",
      "    at NodeEventGenerator.enterNode (/home/me/project/node_modules/eslint/lib/util/node-event-generator.js:8:18)",
      "    at Linter.verify (/home/me/project/node_modules/eslint/lib/linter.js:10:45)",
      "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
      "```",
    ].join("\n");
    const ranked = await files(issue);
    expect(ranked.slice(0, 3).sort()).toEqual([
      "lib/linter.js",
      "lib/rules/no-useless-constructor.js",
      "lib/util/node-event-generator.js",
    ]);
  });

  it("follows a Go trace into the package it names, through the module cache path", async () => {
    const issue = [
      "panic on flush: nil pointer dereference",
      "",
      "Calling flush on a store panics with a nil pointer dereference since the last release. The cache",
      "flush works, only this one panics. Full output of the program below, it happens on every run.",
      "",
      "```",
      "panic: runtime error: invalid memory address or nil pointer dereference",
      "",
      "goroutine 1 [running]:",
      "github.com/acme/app/pkg/store.(*Store).Flush(0x0)",
      "\t/home/me/go/pkg/mod/github.com/acme/app@v1.2.3/pkg/store/flush.go:8 +0x1d",
      "main.main()",
      "\t/home/me/src/tool/main.go:10 +0x25",
      "```",
    ].join("\n");
    expect((await files(issue))[0]).toBe("pkg/store/flush.go");
  });

  it("follows a Java trace to the class's file under its package", async () => {
    const issue = [
      "NullPointerException when flushing entries",
      "",
      "Flushing all the entries fails since the last release when there are no entries. I expected the",
      "flush to do nothing when the list of entries is empty. It happens on every call.",
      "",
      'Exception in thread "main" java.lang.NullPointerException',
      "\tat com.acme.store.Flusher.flushAll(Flusher.java:5)",
      "\tat java.base/java.lang.Thread.run(Thread.java:833)",
    ].join("\n");
    expect((await files(issue))[0]).toBe("src/main/java/com/acme/store/Flusher.java");
  });

  it("answers the longest query it accepts, whatever its shape, while the server stays responsive", async () => {
    // Shapes that make a careless pattern backtrack (a run of word characters or spaces with no path
    // at its end, many line starts, unclosed comments): each of them once held the event loop for
    // seconds to minutes. Every one is answered, and the server answers a plain search right after.
    const shapes = [
      "a".repeat(99_990),
      "a.".repeat(49_995),
      "a/".repeat(49_995),
      `at ${"a".repeat(99_000)}`,
      `${" ".repeat(99_000)}x`,
      "\n".repeat(99_000),
      "<!--".repeat(24_990),
      `a 1${".1".repeat(49_000)} b`,
    ];
    for (const query of shapes) {
      const r = await app.call("search_codebase", { path: repo, query, granularity: "file", k: 3 });
      expect(r.isError).toBe(false);
    }
    expect((await files("no-debugger"))[0]).toBe("lib/rules/no-debugger.js");
  }, 15_000);

  it("does not let a bug-report template's questions pull up the file that asks the same questions", async () => {
    const issue = [
      "no-octal does not report 08 and 09",
      "",
      "**Tell us about your environment**",
      "",
      "* **Version:** 5.16.0",
      "* **Node Version:** 10.16.0",
      "* **npm Version:** 6.9.0",
      "",
      "**What parser (default, Babel-ESLint, etc.) are you using?**",
      "default",
      "",
      "**Please show your full configuration:**",
      "",
      "<details>",
      "<summary>Configuration</summary>",
      "",
      "```js",
      "module.exports = { rules: { 'no-octal': 'error' } };",
      "```",
      "",
      "</details>",
      "",
      "**What did you expect to happen?**",
      "Both 08 and 09 are reported as octal literals.",
      "",
      "**What actually happened? Please include the actual, raw output.**",
      "Neither is reported.",
      "",
      "- [x] I have read the guidelines",
    ].join("\n");
    const ranked = await files(issue);
    expect(ranked[0]).toBe("lib/rules/no-octal.js");
    const wizard = ranked.indexOf("lib/init/config-initializer.js");
    if (wizard >= 0) expect(wizard).toBeGreaterThan(1);
  });
});

describe("stack frames as repository paths", () => {
  it("maps Node, Go, Java and Python frames to the paths they have in their repository, innermost first", () => {
    const q = analyzeQuery(
      [
        "Crash",
        "    at check (/home/u/p/node_modules/@scope/pkg/lib/check.js:12:5)",
        "    at /srv/app/lib/run.js:1:2",
        "    at emitOne (events.js:82:20)",
        "    at async main (file:///C:/Users/u/app/src/cli.mjs:3:4)",
        "github.com/acme/app/pkg/store.(*Store).Flush(0xc000010000)",
        "\t/home/u/go/pkg/mod/github.com/acme/app@v1.2.3/pkg/store/flush.go:42 +0x1d",
        "\tat com.acme.store.Flusher.flushAll(Flusher.java:42)",
        '  File "/usr/lib/python3/site-packages/xarray/core/dataset.py", line 12, in to_zarr',
      ].join("\n"),
    );
    // Innermost first: Python prints it last, the others first.
    expect(q.frames).toEqual([
      { path: "xarray/core/dataset.py", fn: "to_zarr" },
      { path: "lib/check.js", fn: "check" },
      { path: "/srv/app/lib/run.js", fn: "" },
      { path: "/Users/u/app/src/cli.mjs", fn: "main" },
      { path: "pkg/store/flush.go", fn: "Flush" },
      { path: "com/acme/store/Flusher.java", fn: "flushAll" },
    ]);
    expect(q.identifiers.get("flushAll")).toBe(3);
    expect(q.identifiers.get("Flush")).toBe(3);
  });

  it("reads hyphenated lowercase names, not prose words with a capital or URL slugs", () => {
    const q = analyzeQuery(
      "Rule space-in-parens conflicts with no-debugger, see https://example.org/a-b-c; Babel-ESLint is fine",
    );
    expect(q.names.sort()).toEqual(["no-debugger", "space-in-parens"]);
  });
});
