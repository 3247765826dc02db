/**
 * Makes a Redis available to the suite: REDIS_URL when set, else the local one on 6379 when it answers,
 * else a throwaway `redis-server` started from PATH on a free port. Tests read the URL with
 * `inject("redisUrl")`; it is "" when no Redis could be had, and the Redis tests then say they skip.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

function ping(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(port, host, () => {
      socket.write("PING\r\n");
      socket.once("data", (d) => done(d.toString().startsWith("+PONG")));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

let child: ChildProcess | undefined;
let dir: string | undefined;

export default async function setup(project: TestProject) {
  let url = process.env["REDIS_URL"] ?? "";
  if (!url && (await ping("127.0.0.1", 6379))) url = "redis://127.0.0.1:6379";
  if (!url && spawnSync("redis-server", ["--version"]).status === 0) {
    const port = await freePort();
    dir = mkdtempSync(join(tmpdir(), "rw-redis-"));
    child = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
      {
        stdio: "ignore",
      },
    );
    for (let i = 0; i < 50 && !(await ping("127.0.0.1", port)); i++)
      await new Promise((r) => setTimeout(r, 100));
    url = `redis://127.0.0.1:${port}`;
  }
  if (!url)
    process.stderr.write(
      "[setup] no Redis at REDIS_URL, on 127.0.0.1:6379 or on PATH: Redis tests will skip\n",
    );
  project.provide("redisUrl", url);
  return async () => {
    child?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
}
