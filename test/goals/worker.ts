/**
 * A separate repowright process for the durability and concurrency tests: it builds the real App from its
 * environment (REPOWRIGHT_HOME, REPOWRIGHT_STORE, REDIS_URL, REPOWRIGHT_REDIS_PREFIX) and calls tools
 * through the host's pipeline, printing one JSON line per acknowledged result.
 *
 *   node --import tsx test/goals/worker.ts writer '{}'                 create + update tasks until killed
 *   node --import tsx test/goals/worker.ts rounds '{"task_id":..}'     per stdin line "go <version>": one
 *                                                                      update_task with that expected_version
 *   node --import tsx test/goals/worker.ts deps '{"task_id":..,"deps":[..]}'  add_dependency one by one
 */
import { createInterface } from "node:readline";
import { createApp } from "../../src/app.js";

const [mode = "", json = "{}"] = process.argv.slice(2);
const args = JSON.parse(json) as Record<string, unknown>;
const app = await createApp({ env: { ...process.env, REPOWRIGHT_LOG_LEVEL: "silent" } });
const say = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);

async function call(name: string, input: Record<string, unknown>) {
  const res = await app.host.callTool(name, input, {
    caller: { id: `worker-${process.pid}`, roles: ["admin"], transport: "in-process" },
  });
  const first = res.content[0] as { text?: string } | undefined;
  return {
    isError: res.isError === true,
    data: JSON.parse(first?.text ?? "null") as Record<string, unknown>,
  };
}

async function must(name: string, input: Record<string, unknown>) {
  const r = await call(name, input);
  if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.data)}`);
  return r.data;
}

if (mode === "writer") {
  const goal = (await must("create_goal", { title: "durability" }))["goal"] as { id: string };
  say({ op: "goal", id: goal.id });
  let previous: string | undefined;
  for (let i = 0; ; i++) {
    const created = await must("create_tasks", {
      goal_id: goal.id,
      tasks: [{ title: `task ${i}`, depends_on: previous ? [previous] : [] }],
    });
    const task = (created["tasks"] as { id: string; version: number }[])[0]!;
    say({ op: "create", id: task.id, version: task.version, i });
    const updated = await must("update_task", { task_id: task.id, estimate: i, tags: [`n${i}`] });
    say({ op: "update", id: task.id, version: (updated["task"] as { version: number }).version, i });
    previous = task.id;
  }
} else if (mode === "rounds") {
  say({ op: "ready" });
  for await (const line of createInterface({ input: process.stdin })) {
    const [cmd, v] = line.split(" ");
    if (cmd !== "go") break;
    const r = await call("update_task", {
      task_id: args["task_id"],
      title: `by ${args["name"]} at ${v}`,
      expected_version: Number(v),
    });
    say({ op: "result", isError: r.isError, type: r.data["type"] ?? null, version: v });
  }
  await app.close();
} else if (mode === "deps") {
  say({ op: "ready" });
  for await (const line of createInterface({ input: process.stdin })) {
    if (line !== "go") break;
    for (const dep of args["deps"] as string[])
      await must("add_dependency", { task_id: args["task_id"], depends_on: dep });
    say({ op: "done" });
    break;
  }
  await app.close();
} else {
  throw new Error(`unknown mode ${mode}`);
}
// stdin stays referenced after the loop ends: leave explicitly.
process.exit(0);
