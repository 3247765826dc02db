/**
 * The PostgreSQL the code index tests use (127.0.0.1:5432, user postgres, database test): whether it
 * answers, a schema name no other run uses, and dropping it afterwards.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export const PG_URL = "postgres://postgres@127.0.0.1:5432/test";

/** Whether the test database answers (tests that need it are skipped with a message when not). */
export async function pgReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const PG_SKIP_MESSAGE =
  "PostgreSQL code index tests skipped: nothing answers at 127.0.0.1:5432 (user postgres, database test)";

/** A schema name unique to this run. */
export function uniqueSchema(): string {
  return `rw_test_${process.pid}_${randomBytes(4).toString("hex")}`;
}

export function testPool(): pg.Pool {
  const pool = new pg.Pool({ connectionString: PG_URL, max: 4 });
  pool.on("error", () => undefined);
  return pool;
}

export async function dropSchema(schema: string): Promise<void> {
  const pool = testPool();
  try {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await pool.end();
  }
}
