/**
 * Worker thread entry of the chunk pool (chunk-pool.ts): receives one file at a time, answers with its
 * chunks and their terms, or with the error chunking it threw.
 */
import { parentPort } from "node:worker_threads";
import { chunkItem, type FromWorker, type ToWorker } from "./chunk-pool.js";

const port = parentPort;
if (!port) throw new Error("chunk-worker.ts runs as a worker thread of ChunkPool");

port.on("message", async ({ id, item }: ToWorker) => {
  let reply: FromWorker;
  try {
    reply = { id, chunks: await chunkItem(item) };
  } catch (err) {
    reply = { id, error: (err as Error).message ?? String(err) };
  }
  port.postMessage(reply);
});
