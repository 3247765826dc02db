/** Pieces the command modules share: the `--toolsets` option and a line writer. */
import { Option } from "commander";
import type { CliIo } from "./program.js";

export function splitList(v: string): string[] {
  return v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

export const toolsetsOption = (): Option =>
  new Option("--toolsets <names>", "comma-separated toolsets, or all").argParser(splitList);

/** Writes one line to stdout (adding the newline when missing). */
export const lineWriter =
  (io: CliIo) =>
  (s: string): void => {
    io.stdout.write(s.endsWith("\n") ? s : `${s}\n`);
  };
