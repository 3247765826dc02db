import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, inject } from "vitest";
import { createRedisStore } from "../../src/store/redis.js";
import { createSqliteStore } from "../../src/store/sqlite.js";
import { dropPrefix } from "../goals/redis-prefix.js";
import { storeContract } from "./contract.js";

const redisUrl = inject("redisUrl");

describe("sqlite store", () => {
  const home = mkdtempSync(join(tmpdir(), "rw-store-"));
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  storeContract(() => ({
    open: async () => createSqliteStore({ path: join(home, "state.db") }),
    childEnv: { REPOWRIGHT_HOME: home, REPOWRIGHT_STORE: "sqlite" },
  }));
});

describe.skipIf(!redisUrl)("redis store", () => {
  const prefix = `rwtest${process.pid}:`;
  // The developer's own Redis: leave nothing behind.
  afterAll(async () => {
    await dropPrefix(redisUrl, prefix);
  });
  storeContract(() => ({
    open: () => createRedisStore({ url: redisUrl, prefix }),
    childEnv: { REPOWRIGHT_STORE: "redis", REDIS_URL: redisUrl, REPOWRIGHT_REDIS_PREFIX: prefix },
  }));
});
