/**
 * Input fragments shared by toolsets, so that the same kind of argument is described and bounded the same
 * way everywhere: repository coordinates, pages, limits.
 */
import { z } from "zod";

export const owner = z.string().min(1).max(100).describe("Repository owner (user or organisation).");
export const repo = z.string().min(1).max(100).describe("Repository name.");
export const page = z.number().int().min(1).max(10_000).default(1).describe("Page number (1-based).");
export const perPage = (d = 30) =>
  z.number().int().min(1).max(100).default(d).describe(`Items per page (1-100, default ${d}).`);

/** How many items to return: a whole number from 1 to `max`, `d` when not given. */
export const limitIn = (max: number, d: number, description: string) =>
  z.number().int().min(1).max(max).default(d).describe(description);

/** A long tool's switch to run as a background job (jobs/index.ts `runInBackground`). */
export const background = z
  .boolean()
  .default(false)
  .describe(
    "Run as a background job: the call returns a job id at once; follow it with get_job, GET /api/v1/jobs/<id> or the repowright://jobs/<id> resource.",
  );
