/**
 * The catalogue: every ecosystem's signatures, one list. Order does not matter (the engine tries the
 * heaviest first); ids are unique (checked by test/ci/signatures.test.ts).
 */
import type { Signature } from "../types.js";
import { DOCKER } from "./docker.js";
import { DOTNET } from "./dotnet.js";
import { ERLANG } from "./erlang.js";
import { GENERIC } from "./generic.js";
import { GIT } from "./git.js";
import { GO } from "./go.js";
import { JVM } from "./jvm.js";
import { MAKE } from "./make.js";
import { NODE } from "./node.js";
import { PERL } from "./perl.js";
import { PHP } from "./php.js";
import { PYTHON } from "./python.js";
import { R } from "./r.js";
import { RUBY } from "./ruby.js";
import { RUST } from "./rust.js";
import { TERRAFORM } from "./terraform.js";

export const SIGNATURES: readonly Signature[] = [
  ...GENERIC,
  ...NODE,
  ...PYTHON,
  ...GO,
  ...RUST,
  ...JVM,
  ...DOTNET,
  ...RUBY,
  ...PHP,
  ...R,
  ...ERLANG,
  ...PERL,
  ...MAKE,
  ...DOCKER,
  ...TERRAFORM,
  ...GIT,
];
