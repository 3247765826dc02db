import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, inject } from "vitest";
import { createLogger } from "../../src/core/log.js";
import { Redactor } from "../../src/core/redact.js";
import { createBullmqQueue } from "../../src/queue/bullmq.js";
import { createSqliteQueue } from "../../src/queue/sqlite.js";
import { dropPrefix } from "../goals/redis-prefix.js";
import { FAST, queueContract } from "./contract.js";

const redisUrl = inject("redisUrl");
const log = createLogger({ level: "silent", redactor: new Redactor() });

describe("sqlite queue", () => {
  const home = mkdtempSync(join(tmpdir(), "rw-queue-"));
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  let n = 0;
  queueContract(async (defaults) =>
    createSqliteQueue({ path: join(home, `q${n++}.db`), defaults: { ...FAST, ...defaults }, pollMs: 20 }),
  );
});

describe.skipIf(!redisUrl)("bullmq queue", () => {
  const base = `rwtest${process.pid}q`;
  let n = 0;
  afterAll(async () => {
    await dropPrefix(redisUrl, base);
  });
  queueContract(async (defaults) =>
    createBullmqQueue({ redisUrl, prefix: `${base}${n++}`, defaults: { ...FAST, ...defaults }, log }),
  );
});
