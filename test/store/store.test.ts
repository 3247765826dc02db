import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, describe, inject } from "vitest";
import { createRedisStore } from "../../src/store/redis.js";
import { createSqliteStore } from "../../src/store/sqlite.js";
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
    const redis = new Redis(redisUrl);
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== "0");
    redis.disconnect();
  });
  storeContract(() => ({
    open: () => createRedisStore({ url: redisUrl, prefix }),
    childEnv: { REPOWRIGHT_STORE: "redis", REDIS_URL: redisUrl, REPOWRIGHT_REDIS_PREFIX: prefix },
  }));
});
