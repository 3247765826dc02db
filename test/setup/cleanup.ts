/** Runs in every test file: what the shared helpers created for it is removed after it. */
import { afterAll } from "vitest";
import { removeTempHomes } from "../mcp/serve-process.js";

afterAll(() => {
  removeTempHomes();
});
