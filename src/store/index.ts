import { join } from "node:path";
import type { Config } from "../core/config.js";
import type { Logger } from "../core/log.js";
import { createRedisStore } from "./redis.js";
import { createSqliteStore } from "./sqlite.js";
import type { Store } from "./types.js";

export type {
  Doc,
  DocListOptions,
  DocPage,
  DocWrite,
  KvEntry,
  NamespaceStats,
  ScanOptions,
  ScanPage,
  SetOptions,
  Store,
  TtlState,
} from "./types.js";
export { STORE_LIMITS } from "./types.js";
export { createRedisStore, createSqliteStore };

/** Opens the store the configuration selects: SQLite in the data dir by default, Redis when asked. */
export async function openStore(config: Config, log?: Logger): Promise<Store> {
  if (config.store.kind === "redis") {
    return createRedisStore({
      url: config.store.redisUrl,
      prefix: config.store.redisPrefix,
      onError: (err) => log?.warn({ err: err.message }, "redis connection error"),
    });
  }
  return createSqliteStore({ path: join(config.core.home, "state.db") });
}
