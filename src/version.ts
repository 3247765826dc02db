/**
 * The package's name and version, read from its package.json (one level above both src/ and dist/), so
 * `repowright --version`, the MCP handshake and the REST description never drift from what npm installed.
 * Kept free of other imports: `repowright --version` loads this module and commander, nothing else.
 */
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  name: string;
  version: string;
};

export const SERVER_NAME: string = pkg.name;
export const SERVER_VERSION: string = pkg.version;
