#!/usr/bin/env node
/**
 * Adds lock entries for optional platform packages that npm left out of package-lock.json.
 *
 * Why: the npm registry this project is developed against does not serve every platform build of some
 * packages (e.g. @biomejs/cli-android-arm64, most @rollup/rollup-* targets). `npm install` then writes a
 * lock without them, and `npm ci` refuses that lock ("Missing: ... from lock file"). Each added entry
 * names the package's os/cpu/libc, read from its name, so `npm ci` skips it on every other platform
 * without fetching it. Run after `npm install` (`npm run lock:complete`); it changes nothing when the lock
 * is already complete.
 */
import { readFileSync, writeFileSync } from "node:fs";

const OS = [
  "android",
  "darwin",
  "freebsd",
  "linux",
  "openbsd",
  "netbsd",
  "openharmony",
  "win32",
  "sunos",
  "aix",
  "cygwin",
];
const CPU = ["arm", "arm64", "x64", "ia32", "loong64", "ppc64", "riscv64", "s390x", "mips64el", "wasm32"];

function platformOf(name) {
  const tokens = name.split("/").pop().split("-");
  const o = tokens.findIndex((t) => OS.includes(t));
  if (o === -1) return undefined;
  const cpu = tokens.slice(o + 1).find((t) => CPU.includes(t));
  const rest = tokens.slice(o + 1).join("-");
  const libc = /musl/.test(rest) ? ["musl"] : /gnu/.test(rest) ? ["glibc"] : undefined;
  return {
    os: [tokens[o]],
    ...(cpu ? { cpu: [cpu] } : {}),
    ...(libc && tokens[o] === "linux" ? { libc } : {}),
  };
}

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
const packages = lock.packages;
let added = 0;
for (const [where, pkg] of Object.entries(packages)) {
  for (const [dep, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const base = where === "" ? "" : `${where}/`;
    if (packages[`${base}node_modules/${dep}`] || packages[`node_modules/${dep}`]) continue;
    const platform = platformOf(dep);
    if (!platform) continue;
    packages[`node_modules/${dep}`] = {
      version,
      ...(pkg.dev ? { dev: true } : {}),
      optional: true,
      ...platform,
    };
    added++;
  }
}
if (added > 0) {
  lock.packages = Object.fromEntries(
    Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : 1)),
  );
  writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
}
process.stdout.write(
  `complete-lockfile: added ${added} optional platform entr${added === 1 ? "y" : "ies"}\n`,
);
