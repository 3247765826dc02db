// Part of `npm run build`: writes dist/tool-manifest.json, the tool listing `repowright tools` prints
// (src/cli/tool-manifest.ts), from the toolsets just built.
import { writeFileSync } from "node:fs";
import { MANIFEST_URL, toolManifest } from "../dist/cli/tool-manifest.js";
import { allToolsets } from "../dist/toolsets/index.js";

writeFileSync(MANIFEST_URL, `${JSON.stringify(toolManifest(allToolsets()))}\n`);
