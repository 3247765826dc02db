/** A small repository on disk with the kinds of files the walker must index or skip. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export function write(root: string, path: string, content: string | Buffer): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

export function makeFixtureRepo(): string {
  const root = mkdtempSync(join(tmpdir(), "rw-code-repo-"));
  write(root, ".gitignore", "build/\n*.log\n");
  write(
    root,
    "src/auth/session.ts",
    `/** Sessions of logged-in users. */
import { now } from "../util/clock.js";

/** How long a login token stays valid, in seconds. */
export const TOKEN_TTL = 3600;

/** Creates a session for a user; it expires after the token time to live. */
export function createSession(userId: string) {
  return { userId, expiresAt: now() + TOKEN_TTL };
}

export class SessionStore {
  private sessions = new Map<string, number>();
  /** Whether the session has expired: compares expiresAt with the clock. */
  isExpired(id: string): boolean {
    const at = this.sessions.get(id) ?? 0;
    return at < now();
  }
}
`,
  );
  write(
    root,
    "src/auth/login.ts",
    `import { createSession } from "./session.js";

/** Checks the password and calls createSession. */
export function login(user: string, password: string) {
  if (!password) throw new Error("login failed: empty password");
  return createSession(user);
}
`,
  );
  write(
    root,
    "src/util/clock.ts",
    "export function now(): number {\n  return Math.floor(Date.now() / 1000);\n}\n",
  );
  write(
    root,
    "lib/cache.py",
    `"""A tiny cache with an expiry."""


class ExpiringCache:
    """Keeps values until their ttl passes."""

    def get(self, key):
        return self._data.get(key)

    def evict_expired(self):
        """Drops every entry whose ttl has passed."""
        pass


def token_ttl_seconds():
    return 3600
`,
  );
  write(
    root,
    "cmd/server/main.go",
    "package main\n\nfunc startServer(port int) error {\n\treturn nil\n}\n\nfunc main() {\n\t_ = startServer(8080)\n}\n",
  );
  write(
    root,
    "README.md",
    "# Demo\n\nA demo app.\n\n## Sessions\n\nSessions expire after TOKEN_TTL seconds.\n",
  );
  write(root, "build/out.js", "function createSession() {}\n");
  write(root, "debug.log", "createSession called\n");
  write(root, "assets/logo.png", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1, 2, 3]));
  write(root, "data/blob.bin.txt", Buffer.concat([Buffer.from("text then "), Buffer.from([0, 1, 2, 0])]));
  write(root, "node_modules/dep/index.js", "module.exports = function createSession() {};\n");
  write(root, "big/huge.txt", "x".repeat(300_000));
  write(root, "package-lock.json", "{}\n");
  return root;
}

/**
 * `count` Python modules of 20 small handlers each (`pkg/mod_000.py` ...): a tree big enough for an index
 * run to be killed half-way through, in its files or in its vector training.
 */
export function writeHandlerModules(root: string, count: number): void {
  for (let i = 0; i < count; i++) {
    const body = Array.from(
      { length: 20 },
      (_, j) =>
        `def handler_${i}_${j}(request):\n    """Handles request kind ${j} of module ${i}."""\n    return request.value_${j} + ${i}\n`,
    ).join("\n\n");
    write(root, `pkg/mod_${String(i).padStart(3, "0")}.py`, body);
  }
}
