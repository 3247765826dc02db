import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { dropPrefix, uniquePrefix } from "../goals/redis-prefix.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

const redisUrl = inject("redisUrl");

for (const kind of ["sqlite", "redis"] as const) {
  describe.skipIf(kind === "redis" && !redisUrl)(`memory toolset on ${kind}`, () => {
    let app: TestApp;
    const ns = `t${Date.now()}${Math.random().toString(36).slice(2, 8)}`;
    // Its own prefix in the developer's Redis (the queue's keys too), dropped after.
    const prefix = uniquePrefix("memory");

    beforeAll(async () => {
      app = await startTestApp({
        env: {
          REPOWRIGHT_STORE: kind,
          REDIS_URL: redisUrl || undefined,
          REPOWRIGHT_REDIS_PREFIX: prefix,
          REPOWRIGHT_TOOLSETS: "memory",
          REPOWRIGHT_CACHE_MAX_VALUE_BYTES: "2048",
          REPOWRIGHT_CACHE_MAX_BULK_KEYS: "10",
        },
      });
    });
    afterAll(async () => {
      await app.call("cache_clear_namespace", { namespace: ns, confirm: true });
      await app.close();
      if (kind === "redis") await dropPrefix(redisUrl, prefix);
    });

    it("lists all twelve memory tools with annotations", async () => {
      const { tools } = await app.client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(
        [
          "cache_clear_namespace",
          "cache_delete",
          "cache_exists",
          "cache_expire",
          "cache_get",
          "cache_incr",
          "cache_keys",
          "cache_mget",
          "cache_mset",
          "cache_set",
          "cache_stats",
          "cache_ttl",
        ].sort(),
      );
      const get = tools.find((t) => t.name === "cache_get")!;
      expect(get.annotations?.readOnlyHint).toBe(true);
      expect(tools.find((t) => t.name === "cache_clear_namespace")!.annotations?.destructiveHint).toBe(true);
    });

    it("sets, gets, counts hits and misses, and deletes", async () => {
      expect(
        (await app.call("cache_set", { namespace: ns, key: "user:1", value: { name: "Ada", tags: ["x"] } }))
          .data,
      ).toEqual({
        key: "user:1",
        written: true,
      });
      expect((await app.call("cache_get", { namespace: ns, key: "user:1" })).data).toEqual({
        key: "user:1",
        found: true,
        value: { name: "Ada", tags: ["x"] },
      });
      expect((await app.call("cache_get", { namespace: ns, key: "nope" })).data).toMatchObject({
        found: false,
        value: null,
      });
      const stats = (await app.call("cache_stats", { namespace: ns })).data as Record<string, number>;
      expect(stats).toMatchObject({ keys: 1, hits: 1, misses: 1 });
      expect(stats["bytes"]).toBeGreaterThan(10);
      expect(
        (await app.call("cache_set", { namespace: ns, key: "user:1", value: 2, only_if_absent: true })).data,
      ).toMatchObject({
        written: false,
      });
      expect((await app.call("cache_exists", { namespace: ns, keys: ["user:1", "nope"] })).data).toEqual({
        count: 1,
        exists: { "user:1": true, nope: false },
      });
      expect((await app.call("cache_delete", { namespace: ns, keys: ["user:1", "nope"] })).data).toEqual({
        deleted: 1,
      });
    });

    it("applies and removes TTLs", async () => {
      await app.call("cache_set", { namespace: ns, key: "ttl", value: 1, ttl_seconds: 100 });
      const t = (await app.call("cache_ttl", { namespace: ns, key: "ttl" })).data as { ttl_seconds: number };
      expect(t.ttl_seconds).toBeGreaterThan(95);
      expect(
        (await app.call("cache_expire", { namespace: ns, key: "ttl", ttl_seconds: null })).data,
      ).toMatchObject({ updated: true });
      expect((await app.call("cache_ttl", { namespace: ns, key: "ttl" })).data).toMatchObject({
        found: true,
        ttl_seconds: null,
      });
      expect(
        (await app.call("cache_expire", { namespace: ns, key: "missing", ttl_seconds: 5 })).data,
      ).toMatchObject({
        updated: false,
      });
      expect((await app.call("cache_ttl", { namespace: ns, key: "missing" })).data).toMatchObject({
        found: false,
      });
    });

    it("increments atomically and refuses non-integers", async () => {
      await Promise.all(
        Array.from({ length: 20 }, () => app.call("cache_incr", { namespace: ns, key: "n" })),
      );
      expect((await app.call("cache_incr", { namespace: ns, key: "n", by: -5 })).data).toEqual({
        key: "n",
        value: 15,
      });
      await app.call("cache_set", { namespace: ns, key: "s", value: "abc" });
      const bad = await app.call("cache_incr", { namespace: ns, key: "s" });
      expect(bad.isError).toBe(true);
      expect(bad.data).toMatchObject({ type: "validation" });
    });

    it("bulk-writes all or nothing and pages keys by pattern", async () => {
      const entries = Array.from({ length: 8 }, (_, i) => ({ key: `page:${i}`, value: i }));
      expect((await app.call("cache_mset", { namespace: ns, entries })).data).toEqual({ written: 8 });
      const seen: string[] = [];
      let cursor: string | null | undefined;
      do {
        const page = (
          await app.call("cache_keys", {
            namespace: ns,
            pattern: "page:*",
            limit: 3,
            cursor: cursor ?? undefined,
          })
        ).data as { keys: string[]; next_cursor: string | null };
        expect(page.keys.length).toBeLessThanOrEqual(3);
        seen.push(...page.keys);
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen.sort()).toEqual(entries.map((e) => e.key).sort());
      const got = (await app.call("cache_mget", { namespace: ns, keys: ["page:1", "page:x"] })).data;
      expect(got).toEqual({
        values: [
          { key: "page:1", found: true, value: 1 },
          { key: "page:x", found: false, value: null },
        ],
      });
      // One oversize value in the batch: nothing of it is written.
      const big = "x".repeat(3000);
      const res = await app.call("cache_mset", {
        namespace: ns,
        entries: [
          { key: "atom:1", value: 1 },
          { key: "atom:2", value: big },
        ],
      });
      expect(res.isError).toBe(true);
      expect(res.data).toMatchObject({ type: "validation" });
      expect((res.data as { error: string }).error).toContain("entries[1].value");
      expect((await app.call("cache_exists", { namespace: ns, keys: ["atom:1"] })).data).toMatchObject({
        count: 0,
      });
      const tooMany = await app.call("cache_mget", {
        namespace: ns,
        keys: Array.from({ length: 11 }, (_, i) => `k${i}`),
      });
      expect(tooMany.data).toMatchObject({ type: "validation" });
    });

    it("returns structured errors for bad input and keeps serving", async () => {
      const wrongType = await app.call("cache_set", { namespace: ns, key: 42, value: 1 });
      expect(wrongType.isError).toBe(true);
      expect(wrongType.data).toMatchObject({ type: "validation" });
      expect((wrongType.data as { error: string }).error).toContain("key");
      const oversize = await app.call("cache_set", { namespace: ns, key: "big", value: "y".repeat(5000) });
      expect(oversize.data).toMatchObject({ type: "validation" });
      const badNs = await app.call("cache_get", { namespace: "has space", key: "k" });
      expect(badNs.data).toMatchObject({ type: "validation" });
      await expect(app.client.callTool({ name: "no_such_tool", arguments: {} })).rejects.toThrow(
        /unknown tool/i,
      );
      expect((await app.call("cache_get", { namespace: ns, key: "big" })).data).toMatchObject({
        found: false,
      });
    });

    it("clears a namespace only with confirm", async () => {
      const refused = await app.call("cache_clear_namespace", { namespace: ns });
      expect(refused.isError).toBe(true);
      const other = `${ns}-other`;
      await app.call("cache_set", { namespace: other, key: "keep", value: 1 });
      const cleared = (await app.call("cache_clear_namespace", { namespace: ns, confirm: true })).data as {
        deleted: number;
      };
      expect(cleared.deleted).toBeGreaterThan(0);
      expect((await app.call("cache_stats", { namespace: ns })).data).toMatchObject({
        keys: 0,
        hits: 0,
        misses: 0,
      });
      expect((await app.call("cache_get", { namespace: other, key: "keep" })).data).toMatchObject({
        found: true,
      });
      await app.call("cache_clear_namespace", { namespace: other, confirm: true });
    });
  });
}
