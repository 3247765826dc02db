/**
 * JUnit XML, as Maven Surefire/Failsafe (`target/surefire-reports/TEST-*.xml`) and Gradle
 * (`build/test-results/test/TEST-*.xml`) write it: `<testcase classname="com.x.FooTest" name="adds">`,
 * with a `<failure>`, `<error>` or `<skipped>` child when it did not pass. Ids are `Class.method`.
 *
 * Only the elements and attributes are needed, so this is a small tag scanner rather than an XML
 * library: it skips comments, CDATA, processing instructions and the doctype, and decodes the five
 * entities and character references in attribute values. It never resolves external entities.
 */
import { Tally } from "./tally.js";

const TOKEN =
  /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;
const ATTRIBUTE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

export interface JunitCase {
  classname: string;
  name: string;
  status: "pass" | "fail" | "skip";
}

export function junitCases(xml: string): JunitCase[] {
  const cases: JunitCase[] = [];
  let current: JunitCase | undefined;
  for (const m of xml.matchAll(TOKEN)) {
    const tag = m[2];
    if (tag === undefined) continue;
    const closing = m[1] === "/";
    const selfClosing = m[4] === "/";
    if (tag === "testcase") {
      if (closing) {
        if (current) cases.push(current);
        current = undefined;
        continue;
      }
      const attrs = attributes(m[3] ?? "");
      current = {
        classname: attrs["classname"] ?? attrs["class"] ?? "",
        name: attrs["name"] ?? "",
        status: "pass",
      };
      if (selfClosing) {
        cases.push(current);
        current = undefined;
      }
    } else if (current && !closing) {
      if (tag === "failure" || tag === "error") current.status = "fail";
      else if (tag === "skipped" && current.status !== "fail") current.status = "skip";
    }
  }
  return cases;
}

/** The id of a case: `Class.method`, or the name alone when there is no class. */
export function junitId(c: Pick<JunitCase, "classname" | "name">): string {
  return c.classname ? `${c.classname}.${c.name}` : c.name;
}

export function parseJunit(xml: string, tally = new Tally()): Tally {
  for (const c of junitCases(xml)) {
    const id = junitId(c);
    if (c.status === "pass") tally.pass(id);
    else if (c.status === "fail") tally.fail(id);
    else tally.skip(id);
  }
  return tally;
}

function attributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of text.matchAll(ATTRIBUTE)) out[a[1]!] = decodeEntities(a[2] ?? a[3] ?? "");
  return out;
}

const NAMED: Readonly<Record<string, string>> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, body: string) => {
    if (body.startsWith("#x")) return safeCodePoint(Number.parseInt(body.slice(2), 16)) ?? whole;
    if (body.startsWith("#")) return safeCodePoint(Number.parseInt(body.slice(1), 10)) ?? whole;
    return NAMED[body] ?? whole;
  });
}

function safeCodePoint(n: number): string | undefined {
  return Number.isInteger(n) && n >= 0 && n <= 0x10ffff ? String.fromCodePoint(n) : undefined;
}
