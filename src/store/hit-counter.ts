/**
 * Read statistics (hits/misses per namespace) counted in memory and added to the store in batches, so a
 * cache read stays a pure read: no write per GET, no write lock on SQLite, no extra script on Redis.
 * Counts reach the store within `intervalMs`, before any stats() read, and on close(); a killed process
 * loses at most the last interval's counts, which are statistics, not data.
 */
export interface HitCounter {
  count(ns: string, hits: number, misses: number): void;
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export function createHitCounter(
  write: (deltas: Map<string, { hits: number; misses: number }>) => Promise<void> | void,
  intervalMs = 1000,
): HitCounter {
  let pending = new Map<string, { hits: number; misses: number }>();
  let chain: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    if (pending.size === 0) return chain;
    const batch = pending;
    pending = new Map();
    chain = chain
      .then(() => write(batch))
      .catch(() => {
        // Put the counts back; the next flush retries them.
        for (const [ns, d] of batch) {
          const p = pending.get(ns) ?? { hits: 0, misses: 0 };
          p.hits += d.hits;
          p.misses += d.misses;
          pending.set(ns, p);
        }
      });
    return chain;
  };
  const timer = setInterval(() => void flush(), intervalMs);
  timer.unref();
  return {
    count(ns, hits, misses) {
      const p = pending.get(ns);
      if (p) {
        p.hits += hits;
        p.misses += misses;
      } else pending.set(ns, { hits, misses });
    },
    flush,
    async stop() {
      clearInterval(timer);
      await flush();
    },
  };
}
