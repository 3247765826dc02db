/** Writes docs/tools.md and docs/configuration.md from the registry and the settings table. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderConfigReference, renderToolReference } from "../src/mcp/docs.js";
import { allToolsets } from "../src/toolsets/index.js";

const root = join(import.meta.dirname, "..");
writeFileSync(join(root, "docs/tools.md"), renderToolReference(allToolsets()));
writeFileSync(join(root, "docs/configuration.md"), renderConfigReference());
process.stdout.write("wrote docs/tools.md and docs/configuration.md\n");
