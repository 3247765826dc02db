/**
 * Child process for the contract test: opens the configured store like the app does, increments a
 * counter N times and bumps a versioned document N/3 times with optimistic retries, then prints N.
 */
import { loadConfig } from "../../src/core/config.js";
import { ToolError } from "../../src/core/errors.js";
import { openStore } from "../../src/store/index.js";

const [ns, countText] = process.argv.slice(2);
const count = Number(countText);
const store = await openStore(loadConfig({ env: process.env }));
for (let i = 0; i < count; i++) await store.incr(ns!, "counter");
for (let i = 0; i < 100; i++) {
  for (;;) {
    const doc = await store.getDoc<{ n: number }>(ns!, "doc");
    try {
      await store.putDoc({
        collection: ns!,
        id: "doc",
        data: { n: (doc?.data.n ?? 0) + 1 },
        expectedVersion: doc?.version ?? 0,
      });
      break;
    } catch (err) {
      if (!(err instanceof ToolError && err.type === "conflict")) throw err;
    }
  }
}
await store.close();
process.stdout.write(`${count}\n`);
