import { conflictError, validationError } from "../core/errors.js";
import { type DocWrite, STORE_LIMITS } from "./types.js";

const NAME = /^[A-Za-z0-9_.:-]+$/;

export function checkNamespace(ns: string, what = "namespace"): void {
  if (
    typeof ns !== "string" ||
    ns.length === 0 ||
    ns.length > STORE_LIMITS.maxNamespaceLength ||
    !NAME.test(ns)
  ) {
    throw validationError(
      `${what} must be 1-${STORE_LIMITS.maxNamespaceLength} characters of letters, digits, '_', '.', ':' or '-'; got ${JSON.stringify(String(ns).slice(0, 40))}`,
    );
  }
}

export function checkKey(key: string, what = "key"): void {
  if (typeof key !== "string" || key.length === 0)
    throw validationError(`${what} must be a non-empty string`);
  if (Buffer.byteLength(key) > STORE_LIMITS.maxKeyBytes) {
    throw validationError(`${what} is longer than ${STORE_LIMITS.maxKeyBytes} bytes`);
  }
  if (/[\u0000-\u001f\u007f]/.test(key)) throw validationError(`${what} must not contain control characters`);
}

export function checkValue(value: string): void {
  if (typeof value !== "string") throw validationError("value must be a string");
  if (Buffer.byteLength(value) > STORE_LIMITS.maxValueBytes) {
    throw validationError(`value is larger than ${STORE_LIMITS.maxValueBytes} bytes`);
  }
}

export function checkTtl(ttlMs: number | undefined | null): void {
  if (ttlMs === undefined || ttlMs === null) return;
  if (!Number.isInteger(ttlMs) || ttlMs <= 0)
    throw validationError("ttl must be a positive whole number of milliseconds");
}

export function checkBatch(n: number): void {
  if (n > STORE_LIMITS.maxBatch) throw validationError(`at most ${STORE_LIMITS.maxBatch} items per batch`);
}

export function checkDocWrite(w: DocWrite): void {
  checkNamespace(w.collection, "collection");
  checkKey(w.id, "document id");
  if (w.expectedVersion !== undefined && (!Number.isInteger(w.expectedVersion) || w.expectedVersion < 0)) {
    throw validationError("expectedVersion must be a whole number >= 0");
  }
}

export function versionConflict(collection: string, id: string, expected: number, actual: number) {
  return conflictError(
    actual === 0
      ? `${collection}/${id} does not exist (expected version ${expected})`
      : expected === 0
        ? `${collection}/${id} already exists (version ${actual})`
        : `${collection}/${id} was changed by someone else: expected version ${expected}, found ${actual}; read it again and retry`,
    { collection, id, expected_version: expected, actual_version: actual },
  );
}

export function parseInteger(value: string, ns: string, key: string): number {
  if (!/^-?\d+$/.test(value)) throw validationError(`value of ${ns}/${key} is not an integer`);
  const n = Number(value);
  if (!Number.isSafeInteger(n))
    throw validationError(`value of ${ns}/${key} is out of the safe integer range`);
  return n;
}

export function clampLimit(limit: number | undefined, fallback: number): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 1) throw validationError("limit must be a whole number >= 1");
  return Math.min(limit, STORE_LIMITS.maxScanLimit);
}
