/**
 * cargo test (libtest's plain output): `test tests::adds ... ok`, `... FAILED`, `... ignored` (or
 * `ignored, reason`), one line a test, for unit, integration and doc tests alike (a doc test is named
 * `src/lib.rs - add (line 5)`). Ids are libtest's names, `module::test`; the same name in two test
 * binaries is one id. A doc test's id leaves out its line (`src/lib.rs - add`): a change that adds
 * lines above it must not read as having removed it. A crate that does not compile is an error
 * (`could not compile `demo``).
 */
import { Tally } from "./tally.js";

const RESULT = /^test (.+) \.\.\. (ok|FAILED|ignored(?:, .*)?)\s*$/;
/** `src/lib.rs - add (line 5)`; newer toolchains may also name the column. */
const DOC_TEST_LINE = / \(line \d+\)(?: - compile(?: fail)?)?$/;
const COMPILE_ERROR = /^error(?:\[E\d+\])?: could not compile `([^`]+)`/;

export function parseCargo(text: string, tally = new Tally()): Tally {
  for (const line of text.split(/\r?\n/)) {
    const r = RESULT.exec(line);
    if (r) {
      const id = r[1]!.replace(DOC_TEST_LINE, "");
      if (r[2] === "ok") tally.pass(id);
      else if (r[2] === "FAILED") tally.fail(id);
      else tally.skip(id);
      continue;
    }
    const c = COMPILE_ERROR.exec(line);
    if (c) tally.error(c[1]!);
  }
  return tally;
}
