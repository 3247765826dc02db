/**
 * TAP, for commands we run as they are: Node 20's test runner prints it by default when its output is
 * not a terminal (`npm test` running `node --test` in the sandbox), and other runners can (mocha, tape).
 * Node nests subtests by four spaces under `# Subtest: name`, and marks a suite by `type: 'suite'` in the
 * YAML block after its line; those suite lines are not tests. Ids are `suite > name` (TAP does not say
 * which file a passing test is in).
 */
import { relativeTo, Tally } from "./tally.js";

const RESULT = /^(\s*)(not ok|ok) \d+(?: -)? ?(.*)$/;
const SUBTEST = /^(\s*)# Subtest: (.*)$/;
const DIRECTIVE = /\s+# (SKIP|TODO)\b.*$/i;

export function parseTap(text: string, root?: string, tally = new Tally()): Tally {
  const lines = text.split(/\r?\n/);
  const open: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const sub = SUBTEST.exec(line);
    if (sub) {
      const level = Math.floor(sub[1]!.length / 4);
      open.length = level;
      open.push(unescapeName(sub[2]!));
      continue;
    }
    const res = RESULT.exec(line);
    if (!res) continue;
    const level = Math.floor(res[1]!.length / 4);
    let description = res[3]!;
    const directive = DIRECTIVE.exec(description);
    if (directive) description = description.slice(0, directive.index);
    const name = unescapeName(description.trim());
    const block = yamlBlock(lines, i + 1, res[1]!.length);
    if (/^\s*type: 'suite'\s*$/m.test(block)) continue;
    const ok = res[2] === "ok";
    if (level === 0 && /^(?:\/|file:\/\/)\S+\.[cm]?[jt]sx?$/.test(name)) {
      // Node's entry for a test file whose process failed (it did not load, or it crashed).
      if (!ok) tally.error(relativeTo(root, name));
      continue;
    }
    const id = [...open.slice(0, level), name].join(" > ");
    if (directive) tally.skip(id);
    else if (ok) tally.pass(id);
    else tally.fail(id);
  }
  return tally;
}

/** The YAML diagnostics block (`---` ... `...`) right after a result line, if there is one. */
function yamlBlock(lines: readonly string[], from: number, indent: number): string {
  const first = lines[from];
  if (first === undefined || first.trim() !== "---" || first.length - first.trimStart().length <= indent)
    return "";
  const body: string[] = [];
  for (let j = from + 1; j < lines.length; j++) {
    if (lines[j]!.trim() === "...") break;
    body.push(lines[j]!);
  }
  return body.join("\n");
}

/** Node escapes `#` and `\` in TAP test names. */
function unescapeName(name: string): string {
  return name.replace(/\\([#\\])/g, "$1");
}
