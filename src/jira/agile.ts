/**
 * Jira Software's agile API (/rest/agile/1.0, the same on Cloud and Data Center): boards, sprints, the
 * backlog. What the jira toolset and the goals toolset's `sync_goal_jira` both need lives here: finding
 * the active sprint of a board (or of a project's one scrum board) and putting issues into a sprint.
 */
import { validationError } from "../core/errors.js";
import { type JiraDeps, jiraRequest } from "./client.js";

type Obj = Record<string, unknown>;

export interface SprintView {
  id: number;
  name: string;
  state: string;
  board_id: number | null;
  goal: string | null;
  start: string | null;
  end: string | null;
  completed: string | null;
}

export function sprintView(s: Obj): SprintView {
  return {
    id: s["id"] as number,
    name: s["name"] as string,
    state: s["state"] as string,
    board_id: (s["originBoardId"] as number | undefined) ?? null,
    goal: (s["goal"] as string | undefined) || null,
    start: (s["startDate"] as string | undefined) ?? null,
    end: (s["endDate"] as string | undefined) ?? null,
    completed: (s["completeDate"] as string | undefined) ?? null,
  };
}

export interface BoardView {
  id: number;
  name: string;
  type: string;
  project: string | null;
}

export function boardView(b: Obj): BoardView {
  return {
    id: b["id"] as number,
    name: b["name"] as string,
    type: b["type"] as string,
    project: ((b["location"] as Obj | undefined)?.["projectKey"] as string | undefined) ?? null,
  };
}

/** A project's boards (up to 50), optionally of one type. */
export async function boardsOf(
  deps: JiraDeps,
  q: { project?: string; type?: "scrum" | "kanban"; name?: string; startAt?: number; max?: number },
  signal?: AbortSignal,
): Promise<{ boards: BoardView[]; total?: number; isLast?: boolean }> {
  const res = await jiraRequest<{ values?: Obj[]; total?: number; isLast?: boolean }>(deps, {
    api: "agile",
    path: "/board",
    query: {
      projectKeyOrId: q.project,
      type: q.type,
      name: q.name,
      startAt: q.startAt,
      maxResults: q.max ?? 50,
    },
    signal,
  });
  return { boards: (res.values ?? []).map(boardView), total: res.total, isLast: res.isLast };
}

/**
 * The board a caller means: the one given, or the project's only scrum board (a validation error naming
 * the candidates when there are several, or none).
 */
export async function scrumBoard(
  deps: JiraDeps,
  q: { board?: number; project?: string },
  signal?: AbortSignal,
): Promise<number> {
  if (q.board !== undefined) return q.board;
  if (!q.project) throw validationError("give a board id, or a project whose scrum board to use");
  const { boards } = await boardsOf(deps, { project: q.project, type: "scrum" }, signal);
  if (boards.length === 1) return boards[0]!.id;
  if (boards.length === 0)
    throw validationError(`project ${q.project} has no scrum board (sprints live on scrum boards)`);
  throw validationError(
    `project ${q.project} has ${boards.length} scrum boards; give board: ${boards.map((b) => `${b.id} (${b.name})`).join(", ")}`,
  );
}

/** The sprints of a board, in Jira's order (by start), optionally only in some states. */
export async function sprintsOf(
  deps: JiraDeps,
  board: number,
  states?: readonly string[],
  signal?: AbortSignal,
): Promise<SprintView[]> {
  const out: SprintView[] = [];
  let startAt = 0;
  for (;;) {
    const res = await jiraRequest<{ values?: Obj[]; isLast?: boolean }>(deps, {
      api: "agile",
      path: `/board/${board}/sprint`,
      query: { state: states?.join(","), startAt, maxResults: 50 },
      signal,
    });
    const values = res.values ?? [];
    out.push(...values.map(sprintView));
    if (res.isLast !== false || values.length === 0) return out;
    startAt += values.length;
  }
}

/** The active sprint of a board, or null when none is running. */
export async function activeSprint(
  deps: JiraDeps,
  board: number,
  signal?: AbortSignal,
): Promise<SprintView | null> {
  const active = await sprintsOf(deps, board, ["active"], signal);
  return active[0] ?? null;
}

/** Moves issues into a sprint (out of any other open sprint), 50 per request as Jira allows. */
export async function addToSprint(
  deps: JiraDeps,
  sprint: number,
  keys: readonly string[],
  signal?: AbortSignal,
): Promise<void> {
  for (let k = 0; k < keys.length; k += 50) {
    await jiraRequest(deps, {
      api: "agile",
      method: "POST",
      path: `/sprint/${sprint}/issue`,
      body: { issues: keys.slice(k, k + 50) },
      signal,
    });
  }
}
