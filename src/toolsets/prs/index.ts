/**
 * The prs toolset (journey 4): turn a working tree full of changes into a stack of reviewable pull
 * requests. The analyzer's four tools work offline on any git checkout (analyze_repository ->
 * suggest_pr_boundaries -> validate_pr_groups -> generate_pr_metadata); plan_pr_split is the four in
 * one call; create_pr_stack needs GitHub credentials.
 */
import { z } from "zod";
import { validationError } from "../../core/errors.js";
import type { Workspace } from "../../core/workspace.js";
import { openRepository } from "../../git/repo.js";
import type { Model } from "../../llm/models.js";
import {
  defineTool,
  defineToolset,
  LOCAL_WRITE,
  READ_ONLY,
  REMOTE_WRITE,
  type ToolContext,
} from "../../mcp/tool.js";
import {
  type Analysis,
  type AnalyzedFile,
  analyzeRepository,
  applyHunks,
  type HunkWithLines,
  readHunks,
} from "./analyze.js";
import { type Boundaries, type BoundaryGroup, type Strategy, suggestBoundaries } from "./boundaries.js";
import type { ChangedFile } from "./changes.js";
import { generateMetadata, type PrMetadata } from "./metadata.js";
import { createStack, type StackGroup } from "./stack.js";
import { checkGroups, runGroupTests, type TestRun } from "./validate.js";

const path = z.string().min(1).describe("A directory inside the git working tree (its root is found).");
const maxGroups = z
  .number()
  .int()
  .min(1)
  .max(20)
  .default(6)
  .describe("At most this many pull requests (small groups merge into their closest neighbour).");
const strategy = z
  .enum(["directory", "dependency", "semantic", "hybrid"])
  .optional()
  .describe(
    "How to group: directory, dependency (import graph), semantic (word similarity or the model's topics), hybrid. Default: REPOWRIGHT_PRS_STRATEGY.",
  );
const maxFiles = z
  .number()
  .int()
  .min(1)
  .max(10_000)
  .optional()
  .describe("Most files per pull request (default REPOWRIGHT_PRS_MAX_FILES).");

const hunkSchema = z.object({
  old_start: z.number().int(),
  old_lines: z.number().int(),
  new_start: z.number().int(),
  new_lines: z.number().int(),
  header: z.string().default(""),
  uses: z.array(z.string()).default([]),
});
const analyzedFileSchema = z
  .object({
    path: z.string().min(1),
    status: z.enum(["added", "modified", "deleted", "renamed", "copied", "type_changed"]),
    old_path: z.string().optional(),
    kind: z.enum(["dependencies", "ci", "config", "docs", "test", "source"]),
    language: z.string().default("text"),
    binary: z.boolean().default(false),
    symlink: z.boolean().default(false),
    submodule: z.boolean().default(false),
    added: z.number().int().min(0),
    deleted: z.number().int().min(0),
    hunks: z.array(hunkSchema).default([]),
    imports: z.array(z.object({ path: z.string(), line: z.number().int() })).default([]),
  })
  .passthrough();
const analysisSchema = z
  .object({
    root: z.string().min(1),
    base: z.string().default("HEAD"),
    base_commit: z.string().regex(/^[0-9a-f]{40,64}$/),
    include_untracked: z.boolean().default(true),
    files: z.array(analyzedFileSchema),
  })
  .passthrough()
  .describe("What analyze_repository returned.");
const groupFileSchema = z.object({
  path: z.string().min(1),
  hunks: z
    .array(z.number().int().min(0))
    .optional()
    .describe("Only these hunks of the file (indexes into its analysed hunks)."),
});
const groupSchema = z
  .object({
    index: z.number().int().min(1),
    files: z.array(groupFileSchema).min(1),
    depends_on: z.array(z.number().int()).default([]),
  })
  .passthrough();

type AnalysisInput = z.infer<typeof analysisSchema>;
const asAnalysis = (a: AnalysisInput) => a as unknown as Analysis;

function analyzeOptions(ctx: ToolContext, input: { include_untracked?: boolean; base?: string }) {
  return {
    includeUntracked: input.include_untracked ?? true,
    excludePatterns: ctx.config.prs.excludePatterns,
    signal: ctx.signal,
    ...(input.base ? { base: input.base } : {}),
  };
}

/** The model that writes metadata and names topics, when REPOWRIGHT_PRS_MODEL asks for one and one is configured. */
function prsModel(ctx: ToolContext): Model | undefined {
  const tier = ctx.config.prs.model;
  if (tier === "none" || ctx.clients.models.unavailable()) return undefined;
  return ctx.clients.models.get(tier);
}

/** Topics a model gives the code files (semantic strategy with a model); undefined when it cannot. */
async function modelTopics(model: Model, files: readonly AnalyzedFile[], signal: AbortSignal) {
  const code = files.filter((f) => f.kind === "source").slice(0, 400);
  if (code.length === 0) return undefined;
  const prompt = `Group these changed files into topics a reviewer would review together. Answer with one JSON object and nothing else: {"topics": {"<short-topic-name>": ["<path>", ...]}}; every path in exactly one topic.\n${code.map((f) => `- ${f.path} (${f.status})${f.hunks[0]?.header ? ` ${f.hunks[0].header}` : ""}`).join("\n")}`;
  const res = await model.complete(
    { messages: [{ role: "user", content: [{ type: "text", text: prompt }] }], maxTokens: 4000 },
    { signal, cache: false },
  );
  const text = res.content.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("");
  const m = /\{[\s\S]*\}/.exec(text);
  if (!m) return undefined;
  const topics = (JSON.parse(m[0]) as { topics?: Record<string, unknown> }).topics ?? {};
  const out = new Map<string, string>();
  const known = new Set(code.map((f) => f.path));
  for (const [name, paths] of Object.entries(topics))
    if (Array.isArray(paths))
      for (const p of paths)
        if (typeof p === "string" && known.has(p) && !out.has(p)) out.set(p, name.slice(0, 40));
  return out;
}

const MAX_TEXT_BYTES = 512 * 1024;

async function boundaries(
  ctx: ToolContext,
  analysis: Analysis,
  options: { strategy?: Strategy; maxFiles?: number; maxGroups?: number },
): Promise<Boundaries> {
  const chosen = options.strategy ?? ctx.config.prs.strategy;
  const texts = new Map<string, string>();
  if (chosen === "semantic" || chosen === "hybrid") {
    for (const f of analysis.files) {
      if (f.kind !== "source" || f.status === "deleted" || f.binary || f.symlink || f.submodule) continue;
      const entry = await ctx.workspace
        .entry(analysis.root, f.path, { maxBytes: MAX_TEXT_BYTES })
        .catch(() => null);
      if (entry?.kind === "file") texts.set(f.path, entry.content.toString("utf8"));
    }
  }
  const model = chosen === "semantic" ? prsModel(ctx) : undefined;
  const topics = model
    ? await modelTopics(model, analysis.files, ctx.signal).catch(() => undefined)
    : undefined;
  return suggestBoundaries(analysis, {
    strategy: chosen,
    maxFilesPerPr: options.maxFiles ?? ctx.config.prs.maxFilesPerPr,
    ...(options.maxGroups !== undefined ? { maxGroups: options.maxGroups } : {}),
    ...(topics ? { topics } : {}),
    text: (p) => texts.get(p),
  });
}

async function metadataFor(
  ctx: ToolContext,
  analysis: Analysis,
  group: { index: number; files: { path: string; hunks?: number[] }[]; depends_on: number[] },
  stack: { total: number; titles?: Record<number, string> },
  template?: { title?: string | undefined; body?: string | undefined },
  model?: Model,
): Promise<PrMetadata> {
  const byPath = new Map(analysis.files.map((f) => [f.path, f]));
  const files = group.files.map((m) => {
    const f = byPath.get(m.path);
    if (!f) throw validationError(`${m.path} is not among the analysed changes`);
    return f;
  });
  const body = template?.body ?? ctx.config.prs.bodyTemplate;
  return generateMetadata({
    group,
    files,
    stack,
    templates: { title: template?.title ?? ctx.config.prs.titleTemplate, ...(body ? { body } : {}) },
    ...(ctx.config.prs.testCommand ? { testCommand: ctx.config.prs.testCommand } : {}),
    ...(model ? { model } : {}),
    signal: ctx.signal,
  });
}

/** Titles for every group, in order (each one's metadata names the titles of what it builds on). */
async function titled(ctx: ToolContext, analysis: Analysis, groups: readonly BoundaryGroup[], model?: Model) {
  const titles: Record<number, string> = {};
  const out: (BoundaryGroup & { title: string; description: string; labels: string[] })[] = [];
  for (const g of groups) {
    const meta = await metadataFor(ctx, analysis, g, { total: groups.length, titles }, undefined, model);
    titles[g.index] = meta.title;
    out.push({ ...g, title: meta.title, description: meta.body, labels: meta.labels });
  }
  return out;
}

export const analyzeRepositoryTool = defineTool({
  name: "analyze_repository",
  title: "Analyze a working tree's changes",
  description:
    "Every change of a git working tree against HEAD (or a base ref): staged, unstaged and untracked files (.gitignore respected), renames, deletions, binary files, mode changes, symlinks and submodules, each with its hunks, language, size and the changed files it imports (tree-sitter: TS/JS, Python, Go, Rust, Java). REPOWRIGHT_PRS_EXCLUDE leaves paths out. The input of suggest_pr_boundaries.",
  input: z.object({
    repo_path: path,
    include_untracked: z
      .boolean()
      .default(true)
      .describe("Include untracked files (those .gitignore does not ignore)."),
    base: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe("Measure against this ref instead of HEAD (its commit must be the stack's base)."),
  }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    return analyzeRepository(ctx.workspace, input.repo_path, analyzeOptions(ctx, input));
  },
});

export const suggestPrBoundaries = defineTool({
  name: "suggest_pr_boundaries",
  title: "Suggest pull request boundaries",
  description:
    "Group an analysis (from analyze_repository) into pull requests in stack order: by directory, by the import graph (cycles stay together, then topological order), by semantic similarity, or hybrid. A file whose hunks import different areas is split by hunk; tests go with the code they test, docs and directory config with what they describe. Each group has a provisional title; generate_pr_metadata writes the final one.",
  input: z.object({
    analysis: analysisSchema,
    strategy,
    max_files_per_pr: maxFiles,
    max_groups: z
      .number()
      .int()
      .min(1)
      .max(200)
      .optional()
      .describe("At most this many pull requests (neighbours merge)."),
  }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    const analysis = asAnalysis(input.analysis);
    const b = await boundaries(ctx, analysis, {
      ...(input.strategy ? { strategy: input.strategy } : {}),
      ...(input.max_files_per_pr ? { maxFiles: input.max_files_per_pr } : {}),
      ...(input.max_groups ? { maxGroups: input.max_groups } : {}),
    });
    return { strategy: b.strategy, warnings: b.warnings, groups: await titled(ctx, analysis, b.groups) };
  },
});

export const validatePrGroups = defineTool({
  name: "validate_pr_groups",
  title: "Validate pull request groups",
  description:
    "Check a proposed stack against its analysis: nothing left out, nothing twice (files and hunks), no group importing what only a later group adds, size limits, tests with the code they test; with run_tests, also build each stacked branch's tree in a temporary directory and run the test command there in the sandbox.",
  input: z.object({
    analysis: analysisSchema,
    groups: z
      .array(groupSchema)
      .min(1)
      .describe("The stack to check, in order: suggest_pr_boundaries' groups as they came, or edited."),
    rules: z
      .object({
        max_files_per_pr: maxFiles,
        max_lines_per_pr: z
          .number()
          .int()
          .min(1)
          .optional()
          .describe("Most changed lines in one group (default REPOWRIGHT_PRS_MAX_LINES)."),
        tests_with_code: z
          .boolean()
          .optional()
          .describe("Require a test file to sit in the group of the code it tests (default from config)."),
        run_tests: z.boolean().default(false).describe("Run the test command on each stacked branch's tree."),
        test_command: z.string().min(1).max(2000).optional().describe("Default REPOWRIGHT_PRS_TEST_COMMAND."),
      })
      .default({})
      .describe("The rules to check; each left out comes from the prs configuration."),
  }),
  annotations: LOCAL_WRITE,
  timeoutMs: 60 * 60_000,
  async handler(input, ctx) {
    const analysis = asAnalysis(input.analysis);
    const cfg = ctx.config.prs;
    const violations = checkGroups(analysis, input.groups, {
      maxFilesPerPr: input.rules.max_files_per_pr ?? cfg.maxFilesPerPr,
      maxLinesPerPr: input.rules.max_lines_per_pr ?? cfg.maxLinesPerPr,
      testsWithCode: input.rules.tests_with_code ?? cfg.requireTestsWithCode,
    });
    let testRuns: TestRun[] | undefined;
    if (input.rules.run_tests) {
      const command = input.rules.test_command ?? cfg.testCommand;
      if (!command) throw validationError("run_tests needs a test_command (or REPOWRIGHT_PRS_TEST_COMMAND)");
      // The trees are built from the working tree as it is now, checked against the analysis given.
      const fresh = await analyzeRepository(
        ctx.workspace,
        analysis.root,
        analyzeOptions(ctx, { include_untracked: analysis.include_untracked, base: analysis.base_commit }),
      );
      testRuns = await runGroupTests(ctx.workspace, ctx.config, fresh, input.groups, command, ctx.signal);
      for (const r of testRuns)
        if (!r.passed)
          violations.push({
            rule: "tests_fail",
            group: r.group,
            message: `\`${command}\` fails on the tree of group ${r.group} (exit ${r.exit_code ?? "none"}${r.timed_out ? ", timed out" : ""})`,
          });
    }
    return { valid: violations.length === 0, violations, ...(testRuns ? { test_runs: testRuns } : {}) };
  },
});

export const generatePrMetadata = defineTool({
  name: "generate_pr_metadata",
  title: "Generate pull request metadata",
  description:
    "A conventional-commit title, a body (why / what / how tested) and labels for one group of a split, from templates (REPOWRIGHT_PRS_TITLE_TEMPLATE, REPOWRIGHT_PRS_BODY_TEMPLATE, or the call's). Deterministic from the files, or written by the model REPOWRIGHT_PRS_MODEL names when one is configured.",
  input: z.object({
    analysis: analysisSchema,
    group: groupSchema.describe(
      "One group of the stack (from suggest_pr_boundaries), with its files and hunks.",
    ),
    total: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe("How many groups the stack has (default: this group's index)."),
    template: z
      .object({
        title: z
          .string()
          .min(1)
          .max(500)
          .optional()
          .describe("Title template (default REPOWRIGHT_PRS_TITLE_TEMPLATE)."),
        body: z
          .string()
          .min(1)
          .max(20_000)
          .optional()
          .describe("Body template (default REPOWRIGHT_PRS_BODY_TEMPLATE)."),
      })
      .optional()
      .describe("Templates for this call, over the configured ones."),
  }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    const analysis = asAnalysis(input.analysis);
    return metadataFor(
      ctx,
      analysis,
      input.group,
      { total: input.total ?? input.group.index },
      input.template,
      prsModel(ctx),
    );
  },
});

const fileOut = (f: AnalyzedFile, hunks?: number[]) => ({
  path: f.path,
  status: f.status,
  ...(f.old_path ? { old_path: f.old_path } : {}),
  added: f.added,
  deleted: f.deleted,
  ...(f.binary ? { binary: true } : {}),
  ...(hunks ? { hunks } : {}),
});

export const planPrSplit = defineTool({
  name: "plan_pr_split",
  title: "Plan a split into pull requests",
  description:
    "The analyzer in one call: analyze_repository, suggest_pr_boundaries (hybrid unless REPOWRIGHT_PRS_STRATEGY says otherwise) and generate_pr_metadata for a git working tree's uncommitted changes: a few reviewable pull requests in dependency order, dependencies and build config first, code by its imports with its tests, docs last; each with a title and a description. Reads only; create_pr_stack makes them.",
  input: z.object({ path, max_groups: maxGroups, strategy }),
  annotations: READ_ONLY,
  async handler(input, ctx) {
    const analysis = await analyzeRepository(ctx.workspace, input.path, analyzeOptions(ctx, {}));
    const b = await boundaries(ctx, analysis, {
      maxGroups: input.max_groups,
      ...(input.strategy ? { strategy: input.strategy } : {}),
    });
    const groups = await titled(ctx, analysis, b.groups);
    const byPath = new Map(analysis.files.map((f) => [f.path, f]));
    return {
      root: analysis.root,
      head: analysis.head,
      branch: analysis.branch,
      changed_files: analysis.files.length,
      warnings: b.warnings,
      groups: groups.map((g) => ({
        index: g.index,
        title: g.title,
        kind: g.kind,
        depends_on: g.depends_on,
        added: g.added,
        deleted: g.deleted,
        files: g.files.map((m) => fileOut(byPath.get(m.path)!, m.hunks)),
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
    strategy,
    draft: z.boolean().default(true).describe("Open the pull requests as drafts."),
    groups: z
      .array(
        groupSchema.extend({
          title: z.string().min(1).max(256).optional(),
          body: z.string().max(60_000).optional(),
        }),
      )
      .min(1)
      .optional()
      .describe(
        "The groups to create (from suggest_pr_boundaries, checked by validate_pr_groups), in stack order; default: planned here as plan_pr_split plans.",
      ),
  }),
  annotations: REMOTE_WRITE,
  timeoutMs: 30 * 60_000,
  async handler(input, ctx) {
    const missing = ctx.clients.githubUnavailable();
    if (missing)
      throw validationError(`create_pr_stack needs GitHub (${missing}); plan_pr_split works without`);
    const analysis = await analyzeRepository(ctx.workspace, input.path, analyzeOptions(ctx, {}));
    let planned: {
      index: number;
      files: { path: string; hunks?: number[] }[];
      depends_on: number[];
      title?: string | undefined;
      body?: string | undefined;
    }[];
    if (input.groups) {
      planned = input.groups;
      const wrong = checkGroups(analysis, planned, {
        maxFilesPerPr: Number.MAX_SAFE_INTEGER,
        maxLinesPerPr: Number.MAX_SAFE_INTEGER,
        testsWithCode: false,
      });
      if (wrong.length > 0)
        throw validationError(
          `the groups do not match the working tree's changes: ${wrong
            .slice(0, 5)
            .map((v) => v.message)
            .join("; ")}`,
          { violations: wrong },
        );
    } else {
      const b = await boundaries(ctx, analysis, {
        maxGroups: input.max_groups,
        ...(input.strategy ? { strategy: input.strategy } : {}),
      });
      planned = b.groups;
    }
    const model = prsModel(ctx);
    const titles: Record<number, string> = {};
    const stackGroups: StackGroup[] = [];
    const byPath = new Map(analysis.files.map((f) => [f.path, f]));
    const repo = await openRepository(ctx.workspace, analysis.root, { signal: ctx.signal });
    const hunks = planned.some((g) => g.files.some((f) => f.hunks))
      ? await readHunks(repo, analysis.base_commit)
      : new Map();
    const applied = new Map<string, Set<number>>();
    for (const [k, g] of planned.entries()) {
      const index = k + 1;
      const meta =
        g.title && g.body
          ? undefined
          : await metadataFor(
              ctx,
              analysis,
              { ...g, index },
              { total: planned.length, titles },
              undefined,
              model,
            );
      const title = g.title ?? meta!.title;
      titles[index] = title;
      const partial = new Map<string, string>();
      for (const m of g.files) {
        if (!m.hunks) continue;
        const f = byPath.get(m.path)!;
        const done = applied.get(m.path) ?? new Set<number>();
        for (const h of m.hunks) done.add(h);
        applied.set(m.path, done);
        const base = await repo
          .run(["show", `${analysis.base_commit}:${f.old_path ?? f.path}`])
          .catch(() => "");
        const all = (hunks.get(m.path) ?? []) as HunkWithLines[];
        partial.set(
          m.path,
          applyHunks(
            base,
            all.filter((_, i) => done.has(i)),
          ),
        );
      }
      stackGroups.push({
        index,
        title,
        description: g.body ?? meta!.body,
        files: g.files.map((m) => changedFile(byPath.get(m.path)!)),
        partial,
      });
    }
    const prs = await createStack(
      ctx.workspace,
      { root: analysis.root, head: analysis.base_commit },
      stackGroups,
      { owner: input.owner, repo: input.repo, base: input.base, prefix: input.prefix, draft: input.draft },
      ctx,
    );
    return { base: input.base, pull_requests: prs };
  },
});

/** What the stack needs of an analysed file. */
function changedFile(f: AnalyzedFile): ChangedFile {
  return {
    path: f.path,
    status:
      f.status === "renamed"
        ? "renamed"
        : f.status === "deleted"
          ? "deleted"
          : f.status === "added" || f.status === "copied"
            ? "added"
            : "modified",
    ...(f.status === "renamed" && f.old_path ? { oldPath: f.old_path } : {}),
    added: f.added,
    deleted: f.deleted,
    binary: f.binary,
    ...(f.symlink ? { symlink: true } : {}),
  };
}

export const prsToolset = defineToolset({
  name: "prs",
  description:
    "Turn a working tree full of changes into a stack of logical, reviewable pull requests (planning offline; creating needs GitHub).",
  tools: [
    analyzeRepositoryTool,
    suggestPrBoundaries,
    validatePrGroups,
    generatePrMetadata,
    planPrSplit,
    createPrStack,
  ],
});
