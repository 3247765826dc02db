/**
 * `repowright emulate github|jira|frappe|llm`: the emulators the tests use, as standalone local servers, so
 * people can point the toolsets and agents at a safe, stateful copy of each service. Each emulator is one
 * row of EMULATORS; its module loads only when that emulator starts.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { AppError } from "../core/errors.js";
import type { CliIo } from "./program.js";

interface Started {
  /** Lines telling how to use it (URLs, the environment to serve against it). */
  banner: string[];
  close(): Promise<void>;
}

interface EmulatorOptions {
  port: number;
  host: string;
  data?: string;
  /** The parsed JSON of --seed / --script, when given. */
  file?: unknown;
  fileName?: string;
}

interface Emulator {
  name: string;
  description: string;
  port: number;
  /** The JSON file option: --seed or --script, with what it holds. */
  file: { flag: "--seed" | "--script"; help: string; error: string };
  dataDir?: boolean;
  start(o: EmulatorOptions): Promise<Started>;
}

const EMULATORS: Emulator[] = [
  {
    name: "github",
    description: "Serve the GitHub REST emulator (real bare git repos + stateful issues, PRs and Actions).",
    port: 8790,
    file: {
      flag: "--seed",
      help: "JSON seed file: { users, tokens, repos: [{ owner, name, files, issues, ... }] }",
      error: "bad_seed",
    },
    dataDir: true,
    async start(o) {
      const { createGithubEmulator } = await import("../emulators/github/server.js");
      type Seed = Parameters<Awaited<ReturnType<typeof createGithubEmulator>>["seed"]>[0];
      const seed = o.file as Seed | undefined;
      const emu = await createGithubEmulator({
        port: o.port,
        host: o.host,
        dataDir: o.data ? resolve(o.data) : undefined,
      });
      if (seed) await emu.seed(seed);
      // With seeded tokens only those are accepted; without, any token acts as the default user.
      const seeded = Object.keys(seed?.tokens ?? {})[0];
      return {
        banner: [
          `GitHub emulator at ${emu.url}`,
          `use it with: GITHUB_API_URL=${emu.url} GITHUB_TOKEN=${seeded ?? "anything"} repowright serve${seeded ? "   (only the seeded tokens are accepted)" : ""}`,
          `seed: POST ${emu.url}/_emulator/seed   faults: POST ${emu.url}/_emulator/faults`,
        ],
        close: () => emu.close(),
      };
    },
  },
  {
    name: "jira",
    description:
      "Serve the Jira emulator: Cloud REST v3, Data Center REST v2 and the agile API (issues, JQL, fields, sprints, ...).",
    port: 8791,
    file: {
      flag: "--seed",
      help: "JSON seed file: { users, tokens, personalTokens, projects, customFields, boards, sprints, issues }",
      error: "bad_seed",
    },
    async start(o) {
      const { createJiraEmulator } = await import("../emulators/jira/server.js");
      type JiraSeed = import("../emulators/jira/server.js").JiraSeed;
      const seed = (o.file as JiraSeed | undefined) ?? { projects: [{ key: "DEMO", name: "Demo" }] };
      const emu = await createJiraEmulator({ port: o.port, host: o.host });
      emu.seed(seed);
      // With seeded tokens only those are accepted; without, any Basic credentials act as the first user.
      const [email, token] = Object.entries(seed.tokens ?? {})[0] ?? [
        seed.users?.[0]?.email ?? "user@example.test",
        "anything",
      ];
      return {
        banner: [
          `Jira emulator at ${emu.url}`,
          `JIRA_URL=${emu.url} JIRA_EMAIL=${email} JIRA_API_TOKEN=${token} repowright serve`,
        ],
        close: () => emu.close(),
      };
    },
  },
  {
    name: "frappe",
    description:
      "Serve the Frappe / ERPNext REST emulator (documents, DocType metadata, submit/cancel/amend, files, reports).",
    port: 8793,
    file: {
      flag: "--seed",
      help: "JSON seed file: { keys: { key: secret }, doctypes: { Name: { fields, permissions, is_submittable, docs } }, reports } (default: a demo shop)",
      error: "bad_seed",
    },
    async start(o) {
      const [{ DEMO_FRAPPE_SEED }, { createFrappeEmulator }] = await Promise.all([
        import("../emulators/frappe/demo.js"),
        import("../emulators/frappe/server.js"),
      ]);
      type FrappeSeed = import("../emulators/frappe/server.js").FrappeSeed;
      const seed = (o.file as FrappeSeed | undefined) ?? DEMO_FRAPPE_SEED;
      const emu = await createFrappeEmulator({ port: o.port, host: o.host });
      try {
        emu.seed(seed);
      } catch (err) {
        await emu.close();
        throw new AppError("bad_seed", `the seed does not load: ${(err as Error).message}`);
      }
      const first = Object.entries(seed.keys ?? {})[0];
      const [key, secret] = first
        ? [first[0], typeof first[1] === "string" ? first[1] : first[1].secret]
        : ["any", "any"];
      return {
        banner: [
          `Frappe emulator at ${emu.url}`,
          `FRAPPE_URL=${emu.url} FRAPPE_API_KEY=${key} FRAPPE_API_SECRET=${secret} repowright serve --toolsets frappe`,
        ],
        close: () => emu.close(),
      };
    },
  },
  {
    name: "llm",
    description:
      "Serve a scripted language model speaking the Anthropic Messages and OpenAI chat-completions protocols (streaming and tool calls included).",
    port: 8792,
    file: {
      flag: "--script",
      help: 'JSON script: { "steps": [{ "reply": { "text", "tool_calls": [{ "name", "input" }] } } | { "fault": { "status", "retry_after_s", "delay_ms", "drop" } }], "fallback"?, "loop"? }',
      error: "bad_script",
    },
    async start(o) {
      const { createLlmEmulator } = await import("../emulators/llm/server.js");
      type LlmScript = import("../emulators/llm/server.js").LlmScript;
      const script = (o.file as LlmScript | undefined) ?? {
        steps: [],
        fallback: { text: "(no script loaded: start with --script FILE)" },
      };
      if (!Array.isArray(script.steps)) throw new AppError("bad_script", `${o.fileName} has no "steps" list`);
      const emu = await createLlmEmulator({ port: o.port, host: o.host, script });
      return {
        banner: [
          `model emulator at ${emu.url} (${script.steps.length} scripted steps)`,
          `Anthropic: REPOWRIGHT_LLM_PROVIDER=anthropic REPOWRIGHT_LLM_BASE_URL=${emu.anthropicBaseUrl} REPOWRIGHT_LLM_API_KEY=any`,
          `OpenAI:    REPOWRIGHT_LLM_PROVIDER=openai REPOWRIGHT_LLM_BASE_URL=${emu.openaiBaseUrl} REPOWRIGHT_LLM_API_KEY=any`,
        ],
        close: () => emu.close(),
      };
    },
  },
];

function readJson(file: string, what: Emulator["file"]): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new AppError(what.error, `cannot read ${what.flag.slice(2)} ${file}: ${(err as Error).message}`);
  }
}

export function registerEmulateCommands(program: Command, io: CliIo): void {
  const emulate = program.command("emulate").description("Run a local emulator of an external service.");
  for (const e of EMULATORS) {
    const cmd = emulate
      .command(e.name)
      .description(e.description)
      .option("--port <number>", "port (0 picks a free one)", (v) => Number.parseInt(v, 10), e.port)
      .option("--host <address>", "bind address", "127.0.0.1");
    if (e.dataDir)
      cmd.option("--data <dir>", "data directory (repositories and state.json); default: a temporary one");
    cmd.option(`${e.file.flag} <file>`, e.file.help);
    cmd.action(
      async (opts: { port: number; host: string; data?: string; seed?: string; script?: string }) => {
        if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
          throw new AppError("bad_port", `--port must be 0-65535, got ${opts.port}`);
        }
        const fileName = opts.seed ?? opts.script;
        const started = await e.start({
          port: opts.port,
          host: opts.host,
          ...(opts.data ? { data: opts.data } : {}),
          ...(fileName ? { file: readJson(fileName, e.file), fileName } : {}),
        });
        io.stdout.write(`${started.banner.join("\n")}\n`);
        await new Promise<void>((done) => {
          process.once("SIGINT", done);
          process.once("SIGTERM", done);
        });
        await started.close();
      },
    );
  }
}
