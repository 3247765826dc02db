/**
 * The one place that decides what a host serves: toolset selection, read-only filtering
 * (computed from readOnlyHint, never a second list), excluded tools, and toolsets that cannot run with the
 * current configuration (which are left out with a reason, not an error, unless asked for by name).
 */
import type { Config } from "../core/config.js";
import { AppError } from "../core/errors.js";
import type { Toolset } from "./tool.js";

export interface InventoryOptions {
  /** Toolset names, or ["all"]. */
  toolsets: readonly string[];
  readOnly: boolean;
  excludeTools?: readonly string[];
}

/** What selection needs of a toolset: a full Toolset, or its listing (the CLI's tool manifest). */
export interface Listable {
  name: string;
  unavailable?: Toolset["unavailable"];
  tools: readonly { name: string; annotations: { readOnlyHint?: boolean } }[];
}

export interface Inventory<T extends Listable = Toolset> {
  toolsets: T[];
  /** Toolsets left out because they cannot run here, with the reason. */
  skipped: { name: string; reason: string }[];
}

export function buildInventory<T extends Listable = Toolset>(
  all: readonly T[],
  config: Readonly<Config>,
  options: InventoryOptions,
): Inventory<T> {
  const byName = new Map(all.map((t) => [t.name, t]));
  const wantAll = options.toolsets.length === 0 || options.toolsets.includes("all");
  const unknown = options.toolsets.filter((n) => n !== "all" && !byName.has(n));
  if (unknown.length > 0) {
    throw new AppError(
      "unknown_toolset",
      `unknown toolset${unknown.length > 1 ? "s" : ""} ${unknown.map((n) => `"${n}"`).join(", ")}; valid toolsets: ${[...byName.keys()].join(", ")}, all`,
    );
  }
  const chosen = wantAll ? [...all] : options.toolsets.map((n) => byName.get(n)!);
  const skipped: Inventory<T>["skipped"] = [];
  const exclude = new Set(options.excludeTools ?? []);
  const toolsets: T[] = [];
  for (const ts of chosen) {
    const reason = ts.unavailable?.(config);
    if (reason) {
      if (!wantAll)
        throw new AppError("toolset_unavailable", `toolset "${ts.name}" cannot be served: ${reason}`);
      skipped.push({ name: ts.name, reason });
      continue;
    }
    const tools = ts.tools.filter(
      (t) => !exclude.has(t.name) && (!options.readOnly || t.annotations.readOnlyHint),
    );
    toolsets.push({ ...ts, tools });
  }
  return { toolsets, skipped };
}
