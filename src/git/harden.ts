/**
 * How every git process of repowright is started: a repository on disk is untrusted input, and git
 * runs commands that a repository's own config names (core.fsmonitor on `status`, filter drivers on
 * `diff`, hooks, pagers, external diffs, ssh commands). Each git call therefore gets
 *
 * - an environment built from nothing (PATH and locale only: no token of ours reaches git or anything it
 *   starts), with system and global config ignored and prompts, pagers and editors off;
 * - command-line config (`-c`, which outranks the repository's own `.git/config`) that switches off every
 *   key git would execute;
 * - per repository, the keys whose names are the repository's choice (`filter.<driver>.clean`,
 *   `merge.<driver>.driver`, ...), read once with `git config --list` and overridden one by one (see
 *   `overridesFor`);
 * - for the commands that make diffs, `--no-ext-diff --no-textconv` (an empty `diff.external` would make
 *   git try to run "", so external diff and textconv drivers are switched off by flag instead).
 */

/** Fixed `-c` settings: each disables something git would otherwise run or trust from the repository. */
export const HARDENED_CONFIG: readonly (readonly [string, string])[] = [
  ["core.fsmonitor", "false"],
  ["core.hooksPath", "/dev/null"],
  ["core.pager", "cat"],
  ["core.editor", "true"],
  ["sequence.editor", "true"],
  ["core.askPass", ""],
  ["core.sshCommand", "false"],
  ["core.gitProxy", ""],
  ["credential.helper", ""],
  ["gpg.program", "false"],
  ["commit.gpgSign", "false"],
  ["tag.gpgSign", "false"],
  ["submodule.recurse", "false"],
  ["safe.bareRepository", "explicit"],
  ["protocol.allow", "never"],
  ["protocol.file.allow", "always"],
  ["protocol.https.allow", "always"],
];

/**
 * Keys whose middle part the repository names, and what to set them to. A filter driver with an empty
 * command is no driver (git skips it); `required=false` so that a missing filter is not an error.
 */
const DRIVER_KEYS: readonly (readonly [RegExp, string])[] = [
  [/^filter\.(.+)\.(clean|smudge|process)$/i, ""],
  [/^filter\.(.+)\.required$/i, "false"],
  [/^merge\.(.+)\.driver$/i, ""],
  [/^pager\.(.+)$/i, "false"],
  [/^remote\.(.+)\.(uploadpack|receivepack|proxy|vcs)$/i, ""],
  [/^gpg\.(.+)\.program$/i, "false"],
  [/^credential\.(.+)\.helper$/i, ""],
  [/^http\.(.*)proxy$/i, ""],
  [/^url\.(.+)\.(insteadof|pushinsteadof)$/i, ""],
  [/^core\.(worktree)$/i, ""],
];

/** Subcommands that can produce a diff, and so could run an external diff or a textconv driver. */
export const DIFF_COMMANDS: ReadonlySet<string> = new Set([
  "diff",
  "log",
  "show",
  "format-patch",
  "diff-tree",
  "diff-index",
  "diff-files",
  "whatchanged",
]);

/** `-c key=value` arguments for the fixed settings. */
export function hardenedArgs(): string[] {
  return HARDENED_CONFIG.flatMap(([k, v]) => ["-c", `${k}=${v}`]);
}

/**
 * `-c` arguments that neutralise the command-running keys a repository's config defines (the output of
 * `git config --list --name-only -z`). `core.worktree` is left alone here: the boundary checks where the
 * working tree really is instead.
 */
export function overridesFor(configKeys: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const key of configKeys) {
    const lower = key.toLowerCase();
    if (seen.has(lower) || lower === "core.worktree") continue;
    for (const [pattern, value] of DRIVER_KEYS) {
      if (!pattern.test(key)) continue;
      seen.add(lower);
      out.push("-c", `${key}=${value}`);
      // A filter driver that exists but has no command must not be `required`.
      const filter = /^filter\.(.+)\.(clean|smudge|process)$/i.exec(key);
      if (filter && !seen.has(`filter.${filter[1]!.toLowerCase()}.required`)) {
        seen.add(`filter.${filter[1]!.toLowerCase()}.required`);
        out.push("-c", `filter.${filter[1]}.required=false`);
      }
      break;
    }
  }
  return out;
}

/**
 * The whole environment of a git process: nothing of ours (tokens, keys) is inherited. `extra` may add
 * git variables such as GIT_INDEX_FILE or an identity.
 */
export function hardenedEnv(
  path: string | undefined,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: path ?? "/usr/local/bin:/usr/bin:/bin",
    LANG: "C",
    LC_ALL: "C",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_PAGER: "cat",
    PAGER: "cat",
    GIT_EDITOR: "true",
    GIT_OPTIONAL_LOCKS: "0",
    GIT_ALLOW_PROTOCOL: "file:https",
    GIT_NO_REPLACE_OBJECTS: "1",
    ...extra,
  };
}
