import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig, secretValues } from "../../src/core/config.js";
import { AppError } from "../../src/core/errors.js";
import { Redactor } from "../../src/core/redact.js";

const dir = mkdtempSync(join(tmpdir(), "rw-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("loadConfig", () => {
  it("uses embedded defaults with no environment", () => {
    const c = loadConfig({ env: { HOME: "/home/u" }, cwd: dir });
    expect(c.store.kind).toBe("sqlite");
    expect(c.core.home).toBe("/home/u/.repowright");
    expect(c.server).toMatchObject({
      transport: "stdio",
      host: "127.0.0.1",
      port: 8787,
      toolsets: ["all"],
      readOnly: false,
    });
    expect(Object.isFrozen(c.server)).toBe(true);
  });

  it("layers file < environment < flags", () => {
    const file = join(dir, "repowright.yaml");
    writeFileSync(file, "server:\n  port: 9000\n  readOnly: true\nstore:\n  kind: redis\n");
    const c = loadConfig({
      env: { REPOWRIGHT_PORT: "9100" },
      cwd: dir,
      overrides: { server: { readOnly: false } },
    });
    expect(c.store.kind).toBe("redis");
    expect(c.server.port).toBe(9100);
    expect(c.server.readOnly).toBe(false);
    rmSync(file);
  });

  it("names the variable and the allowed values of a bad setting", () => {
    const err = (() => {
      try {
        loadConfig({ env: { REPOWRIGHT_STORE: "mongo", REPOWRIGHT_PORT: "http" }, cwd: dir });
      } catch (e) {
        return e;
      }
    })() as AppError;
    expect(err).toBeInstanceOf(AppError);
    expect(err.message).toContain("REPOWRIGHT_STORE");
    expect(err.message).toContain("sqlite, redis");
    expect(err.message).toContain("REPOWRIGHT_PORT: must be a whole number from 0 to 65535");
    expect(err.message).not.toContain("nan");
  });

  it("names the file key of a bad or unknown setting in repowright.yaml", () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(file, "server:\n  transport: carrier-pigeon\n  colour: blue\n");
    expect(() => loadConfig({ env: {}, file, cwd: dir })).toThrow(
      /server\.transport in .*bad\.yaml|unknown setting server\.colour/,
    );
  });

  it("lists secrets for redaction, only the password of a URL", () => {
    const c = loadConfig({
      env: {
        GITHUB_TOKEN: "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        REDIS_URL: "redis://u:s3cretpw@h:6379",
      },
      cwd: dir,
    });
    const secrets = secretValues(c);
    expect(secrets).toContain("ghp_abcdefghijklmnopqrstuvwxyz0123456789");
    expect(secrets).toContain("s3cretpw");
    const r = new Redactor();
    for (const s of secrets) r.addSecret(s);
    const out = r.redact({
      msg: "connecting to redis://u:s3cretpw@h:6379 with token ghp_abcdefghijklmnopqrstuvwxyz0123456789",
      apiKey: "x",
    });
    expect(JSON.stringify(out)).not.toMatch(/s3cretpw|ghp_|"x"/);
  });
});
