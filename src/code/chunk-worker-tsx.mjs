/**
 * Worker entry of the chunk pool when it runs from the TypeScript sources (tsx, vitest): Node 20 does not
 * apply `--import` loader hooks to a worker's entry module, so this plain module registers tsx's loader,
 * then imports the real entry, chunk-worker.ts. The built dist/ starts chunk-worker.js directly.
 */
import { register } from "tsx/esm/api";

register();
await import(new URL("./chunk-worker.ts", import.meta.url).href);
