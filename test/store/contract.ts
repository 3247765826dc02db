/**
 * The store contract: every Store implementation (SQLite, Redis) passes this same suite, so the embedded
 * default and the scale-out engine behave alike.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";
import { ToolError } from "../../src/core/errors.js";
import type { Store } from "../../src/store/types.js";
import { parentEnv } from "../helpers/env.js";

export interface ContractTarget {
  /** Opens a fresh handle on the same underlying store (another connection / file handle). */
  open(): Promise<Store>;
  /** Environment that makes a child process open the same store with createApp/openStore. */
  childEnv: Record<string, string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let seq = 0;
const uniq = (p: string) => `${p}-${process.pid}-${Date.now().toString(36)}-${++seq}`;

async function expectToolError(p: Promise<unknown>, type: string) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ToolError);
  expect((err as ToolError).type).toBe(type);
}

async function scanAll(s: Store, ns: string, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await s.scan(ns, { pattern, cursor });
    keys.push(...page.keys);
    cursor = page.cursor ?? undefined;
  } while (cursor);
  return [...new Set(keys)];
}

export function storeContract(target: () => ContractTarget) {
  const withStore = async (fn: (s: Store) => Promise<void>) => {
    const s = await target().open();
    try {
      await fn(s);
    } finally {
      await s.close();
    }
  };

  it("sets, gets, deletes and checks existence", () =>
    withStore(async (s) => {
      const ns = uniq("kv");
      expect(await s.get(ns, "a")).toBeNull();
      expect(await s.set(ns, "a", "1")).toBe(true);
      expect(await s.get(ns, "a")).toBe("1");
      expect(await s.set(ns, "a", "2", { ifNotExists: true })).toBe(false);
      expect(await s.get(ns, "a")).toBe("1");
      expect(await s.exists(ns, ["a", "b"])).toBe(1);
      expect(await s.del(ns, ["a", "b"])).toBe(1);
      expect(await s.get(ns, "a")).toBeNull();
      // Namespaces are isolated, including ones that share a prefix.
      await s.set(ns, "k", "x");
      await s.set(`${ns}:sub`, "k", "y");
      expect(await s.get(ns, "k")).toBe("x");
      expect(await s.get(`${ns}:sub`, "k")).toBe("y");
    }));

  it("expires keys after their TTL and reports the TTL", () =>
    withStore(async (s) => {
      const ns = uniq("ttl");
      await s.set(ns, "short", "v", { ttlMs: 150 });
      await s.set(ns, "long", "v", { ttlMs: 60_000 });
      await s.set(ns, "forever", "v");
      const t = await s.ttl(ns, "long");
      expect(t.state).toBe("expiring");
      expect(t.state === "expiring" && t.ttlMs).toBeGreaterThan(59_000);
      expect(await s.ttl(ns, "forever")).toEqual({ state: "persistent" });
      expect(await s.ttl(ns, "none")).toEqual({ state: "missing" });
      await sleep(300);
      expect(await s.get(ns, "short")).toBeNull();
      expect(await s.exists(ns, ["short"])).toBe(0);
      expect(await s.ttl(ns, "short")).toEqual({ state: "missing" });
      expect((await scanAll(s, ns, "*")).sort()).toEqual(["forever", "long"]);
      expect(await s.expire(ns, "long", null)).toBe(true);
      expect(await s.ttl(ns, "long")).toEqual({ state: "persistent" });
      expect(await s.expire(ns, "short", 1000)).toBe(false);
      expect(await s.expire(ns, "forever", 100)).toBe(true);
      await sleep(250);
      expect(await s.get(ns, "forever")).toBeNull();
      // KEEPTTL keeps an expiry across an overwrite; a plain set clears it.
      await s.set(ns, "keep", "1", { ttlMs: 60_000 });
      await s.set(ns, "keep", "2", { keepTtl: true });
      expect((await s.ttl(ns, "keep")).state).toBe("expiring");
      await s.set(ns, "keep", "3");
      expect((await s.ttl(ns, "keep")).state).toBe("persistent");
    }));

  it("increments atomically, keeping the TTL, and refuses non-integers", () =>
    withStore(async (s) => {
      const ns = uniq("incr");
      const results = await Promise.all(Array.from({ length: 50 }, () => s.incr(ns, "n")));
      expect(new Set(results).size).toBe(50);
      expect(await s.incr(ns, "n", -10)).toBe(40);
      await s.set(ns, "t", "5", { ttlMs: 60_000 });
      expect(await s.incr(ns, "t", 2)).toBe(7);
      expect((await s.ttl(ns, "t")).state).toBe("expiring");
      await s.set(ns, "s", "abc");
      await expectToolError(s.incr(ns, "s"), "validation");
      expect(await s.get(ns, "s")).toBe("abc");
    }));

  it("compare-and-sets", () =>
    withStore(async (s) => {
      const ns = uniq("cas");
      expect(await s.cas(ns, "k", null, "v1")).toBe(true);
      expect(await s.cas(ns, "k", null, "v2")).toBe(false);
      expect(await s.cas(ns, "k", "nope", "v2")).toBe(false);
      expect(await s.cas(ns, "k", "v1", "v2")).toBe(true);
      expect(await s.get(ns, "k")).toBe("v2");
      expect(await s.cas(ns, "k", "v2", null)).toBe(true);
      expect(await s.get(ns, "k")).toBeNull();
    }));

  it("bulk gets and sets, all or nothing", () =>
    withStore(async (s) => {
      const ns = uniq("bulk");
      await s.mset(ns, [
        { key: "a", value: "1" },
        { key: "b", value: "2", ttlMs: 60_000 },
      ]);
      expect(await s.mget(ns, ["a", "x", "b"])).toEqual(["1", null, "2"]);
      // An invalid entry anywhere in the batch: nothing is written.
      await expectToolError(
        s.mset(ns, [
          { key: "c", value: "3" },
          { key: "", value: "4" },
        ]),
        "validation",
      );
      expect(await s.get(ns, "c")).toBeNull();
      const stats = await s.stats(ns);
      expect(stats).toMatchObject({ keys: 2, hits: 2, misses: 2 });
      expect(stats.bytes).toBe(4);
    }));

  it("scans by glob pattern with a cursor, every key exactly once", () =>
    withStore(async (s) => {
      const ns = uniq("scan");
      const keys = Array.from({ length: 257 }, (_, i) => `user:${i}`);
      await s.mset(ns, [
        ...keys.map((key) => ({ key, value: "x" })),
        { key: "other:1", value: "y" },
        { key: "user*lit", value: "z" },
      ]);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await s.scan(ns, { pattern: "user:*", cursor, limit: 50 });
        expect(page.keys.length).toBeLessThanOrEqual(50);
        seen.push(...page.keys);
        cursor = page.cursor ?? undefined;
        pages++;
      } while (cursor && pages < 100);
      expect([...new Set(seen)].sort()).toEqual([...keys].sort());
      // A page may come back short with a cursor (Redis visits slots, not keys): always follow it.
      expect((await scanAll(s, ns, "user:1?")).sort()).toEqual(
        Array.from({ length: 10 }, (_, i) => `user:1${i}`).sort(),
      );
      expect(await scanAll(s, ns, "user\\*lit")).toEqual(["user*lit"]);
      expect(await scanAll(s, ns, "[o]ther:*")).toEqual(["other:1"]);
      expect(await s.clearNamespace(ns)).toBe(259);
      expect(await scanAll(s, ns, "*")).toEqual([]);
    }));

  it("rejects malformed and oversized keys, values and namespaces without writing", () =>
    withStore(async (s) => {
      const ns = uniq("bad");
      await expectToolError(s.set(ns, "k".repeat(1025), "v"), "validation");
      await expectToolError(s.set(ns, "", "v"), "validation");
      await expectToolError(s.set(ns, "a\nb", "v"), "validation");
      await expectToolError(s.set("bad namespace", "k", "v"), "validation");
      await expectToolError(s.set(ns, "k", "v", { ttlMs: -5 }), "validation");
      await expectToolError(s.set(ns, "big", "x".repeat(64 * 1024 * 1024 + 1)), "validation");
      expect(await scanAll(s, ns, "*")).toEqual([]);
    }));

  it("versions documents and refuses stale writes with a conflict", () =>
    withStore(async (s) => {
      const c = uniq("docs");
      expect(await s.putDoc({ collection: c, id: "a", data: { n: 1 }, expectedVersion: 0 })).toBe(1);
      await expectToolError(
        s.putDoc({ collection: c, id: "a", data: { n: 9 }, expectedVersion: 0 }),
        "conflict",
      );
      expect(await s.putDoc({ collection: c, id: "a", data: { n: 2 }, expectedVersion: 1 })).toBe(2);
      await expectToolError(
        s.putDoc({ collection: c, id: "a", data: { n: 3 }, expectedVersion: 1 }),
        "conflict",
      );
      expect(await s.getDoc(c, "a")).toEqual({ id: "a", data: { n: 2 }, version: 2 });
      expect(await s.putDoc({ collection: c, id: "a", data: { n: 4 } })).toBe(3);
      // A batch with one stale write changes nothing.
      await expectToolError(
        s.writeDocs([
          { collection: c, id: "b", data: { n: 1 }, expectedVersion: 0 },
          { collection: c, id: "a", data: { n: 5 }, expectedVersion: 1 },
        ]),
        "conflict",
      );
      expect(await s.getDoc(c, "b")).toBeNull();
      expect(
        await s.writeDocs([
          { collection: c, id: "b", data: { n: 1 }, expectedVersion: 0 },
          { collection: c, id: "a", data: { n: 5 }, expectedVersion: 3 },
        ]),
      ).toEqual([1, 4]);
      expect((await s.getDocs(c, ["a", "zz", "b"])).map((d) => d?.version ?? null)).toEqual([4, null, 1]);
      expect(await s.putDoc({ collection: c, id: "b", data: null, expectedVersion: 1 })).toBe(0);
      expect(await s.getDoc(c, "b")).toBeNull();
    }));

  it("lists documents by id prefix, a page at a time", () =>
    withStore(async (s) => {
      const c = uniq("list");
      const ids = Array.from({ length: 25 }, (_, i) => `TASK-${String(i).padStart(4, "0")}`);
      await s.writeDocs([
        ...ids.map((id) => ({ collection: c, id, data: { id } })),
        { collection: c, id: "GOAL-1", data: {} },
      ]);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await s.listDocs<{ id: string }>(c, { prefix: "TASK-", limit: 10, cursor });
        seen.push(...page.docs.map((d) => d.id));
        cursor = page.cursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(ids);
    }));

  it("loses no increment when two processes increment concurrently", async () => {
    const { childEnv } = target();
    const ns = uniq("procs");
    const worker = join(import.meta.dirname, "incr-worker.ts");
    const runWorker = () =>
      new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", worker, ns, "300"], {
          env: { ...parentEnv(), ...childEnv },
          stdio: ["ignore", "pipe", "inherit"],
        });
        let out = "";
        child.stdout.on("data", (d) => {
          out += d;
        });
        child.on("error", reject);
        child.on("exit", (code) =>
          code === 0 ? resolve(Number(out.trim())) : reject(new Error(`worker exited ${code}`)),
        );
      });
    const counts = await Promise.all([runWorker(), runWorker()]);
    expect(counts).toEqual([300, 300]);
    await withStore(async (s) => {
      expect(await s.get(ns, "counter")).toBe("600");
      // Documents too: 2 x 100 read-modify-write loops with retry on conflict end at version 200.
      const doc = await s.getDoc<{ n: number }>(ns, "doc");
      expect(doc?.data.n).toBe(200);
      expect(doc?.version).toBe(200);
    });
  }, 60_000);
}
