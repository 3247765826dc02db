/**
 * The prs toolset (journey 4): turn a working tree full of changes into a stack of reviewable pull
 * requests. plan_pr_split works offline on any git checkout; create_pr_stack needs GitHub credentials.
 */
import { z } from "zod";
import { validationError } from "../../core/errors.js";
import type { Workspace } from "../../core/workspace.js";
import { defineTool, defineToolset, READ_ONLY, REMOTE_WRITE } from "../../mcp/tool.js";
import { type ChangedFile, contentOf, readWorkingTree, type WorkingTree } from "./changes.js";
import { type PlannedGroup, planGroups } from "./group.js";
import { createStack } from "./stack.js";

const path = z.string().min(1).describe("A directory inside the git working tree (its root is found).");
const maxGroups = z
  .number()
  .int()
  .min(1)
  .max(20)
  .default(6)
  .describe("At most this many pull requests (small groups merge into their closest neighbour).");

const MAX_TEXT_BYTES = 512 * 1024;

async function plan(
  workspace: Workspace,
  dir: string,
  max: number,
  signal?: AbortSignal,
): Promise<{ tree: WorkingTree; groups: PlannedGroup[] }> {
  const tree = await readWorkingTree(workspace, dir, signal);
  const texts = new Map<string, string | null>();
  for (const f of tree.files) {
    if (f.status === "deleted" || f.binary || f.symlink) continue;
    const entry = await contentOf(workspace, tree.root, f).catch(() => null);
    const buf = entry?.kind === "file" ? entry.content : null;
    texts.set(f.path, buf && buf.length <= MAX_TEXT_BYTES ? buf.toString("utf8") : null);
  }
  return { tree, groups: planGroups(tree.files, { maxGroups: max, text: (f) => texts.get(f.path) ?? null }) };
}

const fileOut = (f: ChangedFile) => ({
  path: f.path,
  status: f.status,
  ...(f.oldPath ? { old_path: f.oldPath } : {}),
  added: f.added,
  deleted: f.deleted,
  ...(f.binary ? { binary: true } : {}),
});

export const planPrSplit = defineTool({
  name: "plan_pr_split",
  title: "Plan a split into pull requests",
  description:
    "Group a git working tree's uncommitted changes into a few reviewable pull requests in dependency order: dependencies and build config first, then modules ordered by their imports (tests with the code they test), docs last; each with a title and a description. Reads only; create_pr_stack makes them.",
  input: z.object({ path, max_groups: maxGroups }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    const { tree, groups } = await plan(ctx.workspace, input.path, input.max_groups, ctx.signal);
    return {
      root: tree.root,
      head: tree.head,
      branch: tree.branch,
      changed_files: tree.files.length,
      groups: groups.map((g) => ({
        index: g.index,
        title: g.title,
        kind: g.kind,
        depends_on: g.depends_on,
        added: g.added,
        deleted: g.deleted,
        files: g.files.map(fileOut),
        description: g.description,
      })),
    };
  },
});

export const createPrStack = defineTool({
  name: "create_pr_stack",
  title: "Create a stack of pull requests",
  description:
    "Split a working tree's uncommitted changes (as plan_pr_split plans them) into a stack on GitHub: one branch per group, each built on the previous, one commit each, and a (draft) pull request per branch based on the previous branch, each description listing the whole stack. The base branch must be at the working tree's HEAD. Never force-pushes.",
  input: z.object({
    path,
    owner: z.string().min(1).max(100).describe("Repository owner."),
    repo: z.string().min(1).max(100).describe("Repository name."),
    base: z.string().min(1).describe("Branch the stack goes on (must be at your HEAD), e.g. main."),
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9._/-]{1,60}$/)
      .default("split")
      .describe("Branch names are <prefix>/<n>-<title>."),
    max_groups: maxGroups,
    draft: z.boolean().default(true).describe("Open the pull requests as drafts."),
  }),
  annotations: REMOTE_WRITE,
  timeoutMs: 30 * 60_000,
  async handler(input, ctx) {
    const missing = ctx.clients.githubUnavailable();
    if (missing)
      throw validationError(`create_pr_stack needs GitHub (${missing}); plan_pr_split works without`);
    const { tree, groups } = await plan(ctx.workspace, input.path, input.max_groups, ctx.signal);
    const prs = await createStack(
      ctx.workspace,
      tree,
      groups,
      { owner: input.owner, repo: input.repo, base: input.base, prefix: input.prefix, draft: input.draft },
      ctx,
    );
    return { base: input.base, pull_requests: prs };
  },
});

export const prsToolset = defineToolset({
  name: "prs",
  description:
    "Turn a working tree full of changes into a stack of logical, reviewable pull requests (planning offline; creating needs GitHub).",
  tools: [planPrSplit, createPrStack],
});
