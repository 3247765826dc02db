/** Opens the configured job queue: BullMQ on the store's Redis, or the embedded SQLite queue. */
import { join } from "node:path";
import type { Config } from "../core/config.js";
import type { Logger } from "../core/log.js";
import { createBullmqQueue } from "./bullmq.js";
import { createSqliteQueue } from "./sqlite.js";
import type { Queue, QueueDefaults } from "./types.js";

export * from "./types.js";

export function queueDefaults(config: Readonly<Config>): QueueDefaults {
  const { attempts, backoffMs, concurrency, leaseMs } = config.queue;
  return { attempts, backoffMs, concurrency, leaseMs };
}

/** Which engine the configuration picks (`auto`: BullMQ exactly when the store is Redis). */
export function queueEngine(config: Readonly<Config>): "sqlite" | "bullmq" {
  if (config.queue.engine !== "auto") return config.queue.engine;
  return config.store.kind === "redis" ? "bullmq" : "sqlite";
}

export function openQueue(config: Readonly<Config>, log: Logger): Queue {
  const defaults = queueDefaults(config);
  if (queueEngine(config) === "bullmq") {
    return createBullmqQueue({
      redisUrl: config.store.redisUrl,
      prefix: `${config.store.redisPrefix}q`,
      defaults,
      log,
    });
  }
  return createSqliteQueue({ path: join(config.core.home, "queue.db"), defaults });
}
