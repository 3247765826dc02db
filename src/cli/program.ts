/**
 * The `repowright` command line. Each command builds an App from the environment plus its flags, runs,
 * and closes it; errors that a user can fix are printed as one clear line, exit code 2.
 *
 * Start-up is kept short by loading only the module of the command being run: `repowright --version` loads
 * commander and package.json, `repowright ci diagnose-log` the diagnoser, and only `serve`, `call` and the
 * agents load the toolsets and the clients. Help (or a word no module claims) loads every command module,
 * and those import their engines inside their actions, so listing the commands stays cheap too.
 */
import { Command } from "commander";
import { AppError } from "../core/errors.js";
import { SERVER_VERSION } from "../version.js";

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

/** Adds commands to the program; `setExit` sets the exit code for a command that ran but failed. */
export type RegisterCommands = (program: Command, io: CliIo, setExit: (code: number) => void) => void;

type Loader = () => Promise<RegisterCommands>;

// The modules in help's order, each with the top-level words it registers.
const MODULES: { words: string[]; load: Loader }[] = [
  { words: ["serve"], load: async () => (await import("./serve-command.js")).registerServeCommand },
  { words: ["tools", "call"], load: async () => (await import("./tools-command.js")).registerToolCommands },
  { words: ["index", "search"], load: async () => (await import("./code-commands.js")).registerCodeCommands },
  { words: ["emulate"], load: async () => (await import("./emulate-commands.js")).registerEmulateCommands },
  { words: ["ci"], load: async () => (await import("./ci-commands.js")).registerCiCommands },
  { words: ["audit"], load: async () => (await import("./audit-command.js")).registerAuditCommand },
  { words: ["worker"], load: async () => (await import("./worker-command.js")).registerWorkerCommand },
  { words: ["flow"], load: async () => (await import("./flow-commands.js")).registerFlowCommands },
  { words: ["resolve"], load: async () => (await import("./resolve-command.js")).registerResolveCommand },
  { words: ["sandbox"], load: async () => (await import("./sandbox-command.js")).registerSandboxCommand },
  {
    words: ["mcp-config"],
    load: async () => (await import("./mcp-config-command.js")).registerMcpConfigCommand,
  },
  { words: ["split"], load: async () => (await import("./split-command.js")).registerSplitCommand },
];

/** The modules to load for this command line: the ones that register its first word, else all of them. */
export function modulesFor(argv: readonly string[]): Loader[] {
  const word = argv[2];
  const claimed = word === undefined ? [] : MODULES.filter((m) => m.words.includes(word));
  return (claimed.length > 0 ? claimed : MODULES).map((m) => m.load);
}

const defaultIo = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr, env: process.env });

export async function runCli(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  let exitCode = 0;
  const setExit = (code: number) => {
    exitCode = code;
  };
  const program = new Command()
    .name("repowright")
    .description("Real hands on software repositories for AI assistants and agents, over MCP.")
    .version(SERVER_VERSION)
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();
  // `--version` needs no command module at all.
  const versionOnly = argv.length === 3 && (argv[2] === "--version" || argv[2] === "-V");
  if (!versionOnly) {
    for (const register of await Promise.all(modulesFor(argv).map((load) => load()))) {
      register(program, io, setExit);
    }
  }
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const e = err as { code?: string; exitCode?: number };
    if (typeof e.code === "string" && e.code.startsWith("commander.")) {
      // Help and version end well; every usage error (unknown command or option, missing argument) is 2.
      return e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.exitCode === 0
        ? 0
        : 2;
    }
    if (err instanceof AppError) {
      io.stderr.write(`repowright: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  return exitCode;
}
