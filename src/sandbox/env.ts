/**
 * The environment of a sandboxed command, built from nothing. A repository's install and test scripts
 * are untrusted code: whatever they can read from their environment they can print, upload or write into
 * a file, so our tokens and keys must never be in it. Only an allowlist is taken from the host; the caller
 * may add variables, but a name that looks like a secret is refused (a clear error the caller can fix,
 * rather than a variable that silently goes missing).
 */
import { validationError } from "../core/errors.js";
import { Redactor } from "../core/redact.js";

/**
 * Taken from the host when set, and nothing else: where programs are, the locale (tools print and sort by
 * it), the terminal type and the time zone (test suites compare dates). None of them carries a secret.
 */
export const HOST_VARIABLES = ["PATH", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "TZ"] as const;

/**
 * Always set. `CI=true` makes test runners non-interactive (no watch mode, no prompts, plain output).
 * The rest turn off prompts and update checks that would wait for a person or call home. `NODE_ENV` is
 * deliberately not set: `NODE_ENV=production` makes `npm install` skip the devDependencies a test run
 * needs, and any other value changes what some projects build; a caller who wants it passes it in `env`.
 */
export const FIXED_VARIABLES: Readonly<Record<string, string>> = Object.freeze({
  CI: "true",
  GIT_TERMINAL_PROMPT: "0",
  NO_UPDATE_NOTIFIER: "1",
  npm_config_update_notifier: "false",
  npm_config_fund: "false",
  PIP_DISABLE_PIP_VERSION_CHECK: "1",
  PIP_NO_INPUT: "1",
});

/** Set by the sandbox to its private directories; a caller may not point them elsewhere. */
const MANAGED = new Set(["HOME", "TMPDIR", "TMP", "TEMP"]);

/** Words that, inside one `_`-separated part of a name, mark it as holding a secret. */
const SECRET_WORDS = [
  "TOKEN",
  "SECRET",
  "KEY",
  "PASSWORD",
  "PASSWD",
  "PASSPHRASE",
  "CREDENTIAL",
  "CREDS",
  "COOKIE",
  "SESSION",
  "PRIVATE",
];

/**
 * Whether a variable name looks like it holds a secret: GITHUB_TOKEN, ANTHROPIC_API_KEY, NPM_AUTHTOKEN,
 * DB_PASSWORD, AWS_SESSION_TOKEN, BASIC_AUTH, GH_PAT. Parts are judged one by one so that AUTH in
 * GIT_AUTHOR_NAME (an identity an agent sets to commit) is not mistaken for one.
 */
export function isSecretLookingName(name: string): boolean {
  return name
    .toUpperCase()
    .split(/_+/)
    .some(
      (part) =>
        SECRET_WORDS.some((word) => part.includes(word)) ||
        (part.startsWith("AUTH") && !/^AUTHORS?$/.test(part)) ||
        part === "PAT",
    );
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Only for its token shapes (GitHub, Slack, AWS, Anthropic/OpenAI keys, JWTs, URL passwords). */
const shapes = new Redactor();

/**
 * The caller's variables, checked: every problem is reported at once, and nothing runs if there is one.
 * A token-shaped value under an innocent name is refused as well.
 */
export function checkCallerEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  const problems: string[] = [];
  const refused: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!NAME.test(name)) problems.push(`${JSON.stringify(name)} is not a variable name`);
    else if (MANAGED.has(name)) problems.push(`${name} is set by the sandbox (its private directory)`);
    else if (isSecretLookingName(name)) {
      refused.push(name);
      problems.push(`${name} looks like a secret`);
    } else if (typeof value !== "string" || value.includes("\0"))
      problems.push(`${name} must be a string without NUL characters`);
    else if (shapes.redactString(value) !== value) {
      refused.push(name);
      problems.push(`the value of ${name} looks like a credential`);
    }
  }
  if (problems.length > 0) {
    throw validationError(
      `sandbox env refused: ${problems.join("; ")}. Sandboxed commands are untrusted code and get no secrets; ` +
        "run whatever needs one outside the sandbox.",
      { refused },
    );
  }
  return { ...env };
}

export interface SandboxEnvParts {
  /** Where the allowlisted variables are read from; only the names in HOST_VARIABLES are looked at. */
  host: Readonly<Record<string, string | undefined>>;
  /** Already checked with checkCallerEnv. */
  extra: Readonly<Record<string, string>>;
  home: string;
  tmp: string;
}

/** The whole environment: allowlisted host variables < fixed ones < the caller's < the private dirs. */
export function sandboxEnv(parts: SandboxEnvParts): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of HOST_VARIABLES) {
    const value = parts.host[name];
    if (value !== undefined && value !== "") env[name] = value;
  }
  env["PATH"] ??= "/usr/local/bin:/usr/bin:/bin";
  env["TERM"] ??= "dumb";
  return { ...env, ...FIXED_VARIABLES, ...parts.extra, HOME: parts.home, TMPDIR: parts.tmp };
}
