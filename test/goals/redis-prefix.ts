/** A throwaway Redis key prefix per test file, and its removal afterwards. */
import { Redis } from "ioredis";

export function uniquePrefix(label: string): string {
  return `rwtest:${label}:${process.pid}:${Math.random().toString(36).slice(2, 8)}:`;
}

export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}
