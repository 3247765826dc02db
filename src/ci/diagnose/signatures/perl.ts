/** Perl: prove / Test::Harness. */
import type { Signature } from "../types.js";

export const PERL: readonly Signature[] = [
  {
    id: "tap.failed-test",
    ecosystem: "perl",
    category: "test",
    needle: "failed test",
    pattern: /^#\s+Failed test (?:'(?<test>[^']+)'|(?<test2>.+))$/,
    role: "decisive",
    weight: 10,
    tool: "Test::More",
    cause: "a Perl test fails ({test})",
    example: "#   Failed test 'adds'",
  },
  {
    id: "prove.dubious",
    ecosystem: "perl",
    category: "test",
    needle: "dubious, test returned",
    pattern: /^(?:(?<file>\S+\.t) \.+\s*)?Dubious, test returned (?<code>\d+)/,
    role: "decisive",
    weight: 11,
    tool: "prove",
    cause: "a Perl test script fails ({file})",
    example: "t/calc.t .. Dubious, test returned 1 (wstat 256, 0x100)",
  },
  {
    id: "prove.summary",
    ecosystem: "perl",
    category: "test",
    needle: ["result: fail", "test programs"],
    pattern: /^Result: FAIL$|^Failed \d+\/\d+ test programs?/,
    role: "summary",
    tool: "prove",
    cause: "Perl tests fail",
    example: "Result: FAIL",
  },
];
