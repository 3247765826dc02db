/**
 * `npm run bench [name...]`: runs every benchmark in bench/ (or the named ones) one after another.
 * Each prints its own table of ratios measured side by side in the same run.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const ALL = [
  "memory",
  "goals",
  "code",
  "code-speed",
  "code-query",
  "github",
  "llm",
  "queue",
  "resolver",
  "ci",
  "prs",
  "cli",
];
const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const names = wanted.length > 0 ? wanted : ALL;

for (const name of names) {
  const file = join(import.meta.dirname, `${name}.ts`);
  if (!existsSync(file)) {
    process.stdout.write(`\n## ${name}: no bench/${name}.ts yet, skipped\n`);
    continue;
  }
  const mod = (await import(pathToFileURL(file).href)) as { run?: () => Promise<void> };
  if (typeof mod.run !== "function") throw new Error(`bench/${name}.ts does not export run()`);
  await mod.run();
}
