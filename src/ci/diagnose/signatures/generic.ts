/**
 * Signatures of the CI platforms themselves (GitHub Actions, Travis, GitLab, Jenkins) and of the
 * machine: network, disk, memory, time limits, cancellation; plus the last-resort rule "a line that
 * says error", as whole tokens only (never inside `symfony/error-handler` or a branch `fix-error`).
 */
import type { Signature } from "../types.js";
import { kw } from "./dsl.js";

export const GENERIC: readonly Signature[] = [
  {
    id: "github.timeout",
    ecosystem: "github",
    category: "timeout",
    needle: "maximum execution time",
    pattern: /has exceeded the maximum execution time of (?<code>\d+) minutes/,
    role: "decisive",
    weight: 16,
    cause: "the job hit its time limit ({code} minutes)",
    example:
      "The job running on runner GitHub Actions 3 has exceeded the maximum execution time of 360 minutes.",
  },
  {
    id: "ci.timeout",
    ecosystem: "generic",
    category: "timeout",
    needle: [
      "maximum time limit",
      "no output has been received",
      "execution took longer",
      "timeout has been exceeded",
    ],
    pattern:
      /The job exceeded the maximum time limit for jobs|No output has been received in the last \S+, this potentially indicates a stalled build|execution took longer than \S+ seconds|Timeout has been exceeded/,
    role: "decisive",
    weight: 16,
    cause: "the job hit the CI's time limit, or printed nothing for too long",
    example:
      "No output has been received in the last 10m0s, this potentially indicates a stalled build or something wrong with the build itself.",
  },
  {
    id: "github.cancelled",
    ecosystem: "github",
    category: "cancelled",
    needle: ["operation was canceled", "run was canceled", "was cancelled"],
    pattern: /^The operation was cancell?ed\.$|^The run was cancell?ed by @?\S+|^Build was cancell?ed/,
    role: "decisive",
    weight: 12,
    cause: "the job was cancelled (by a person, a newer push, or fail-fast)",
    example: "The operation was canceled.",
  },
  {
    id: "github.runner-lost",
    ecosystem: "github",
    category: "infrastructure",
    needle: ["shutdown signal", "lost communication", "hosted runner encountered", "did not respond"],
    pattern:
      /The runner has received a shutdown signal|lost communication with the server|The hosted runner encountered an error|runner .* did not respond/i,
    role: "decisive",
    weight: 14,
    cause: "the runner was lost or shut down",
    example:
      "##[error]The runner has received a shutdown signal. This can happen when the runner service is stopped.",
  },
  {
    id: "github.deprecated-action",
    ecosystem: "github",
    category: "configuration",
    needle: "deprecated version of",
    pattern:
      /automatically failed because it uses a deprecated version of `(?<package>[^`:]+)(?::\s*(?<version>[^`]+))?`/,
    role: "decisive",
    weight: 15,
    cause: "the workflow uses a deprecated action ({package})",
    example:
      "This request has been automatically failed because it uses a deprecated version of `actions/upload-artifact: v3`. Learn more: https://github.blog/changelog/2024-04-16-deprecation-notice-v3-of-the-artifact-actions/",
  },
  {
    id: "github.workflow-invalid",
    ecosystem: "github",
    category: "configuration",
    needle: ["invalid workflow file", "workflow is not valid"],
    pattern:
      /Invalid workflow file: (?<file>\S+?)(?:#L(?<line>\d+))?$|The workflow is not valid\. (?<file2>\S+)/,
    role: "decisive",
    weight: 15,
    cause: "the workflow file is invalid ({file})",
    example: "Invalid workflow file: .github/workflows/ci.yml#L12",
  },
  {
    id: "github.action-missing",
    ecosystem: "github",
    category: "configuration",
    needle: ["unable to resolve action", "can't find 'action.yml'"],
    pattern:
      /Unable to resolve action `(?<package>[^`]+)`|Can't find 'action\.yml', 'action\.yaml' or 'Dockerfile'/,
    role: "decisive",
    weight: 14,
    cause: "the workflow names an action (version) that does not exist ({package})",
    example: "Unable to resolve action `actions/setup-node@v9`, unable to find version `v9`",
  },
  {
    id: "github.permissions",
    ecosystem: "github",
    category: "configuration",
    needle: ["resource not accessible by integration", "refusing to allow a github app", "permission to"],
    pattern:
      /Resource not accessible by integration|refusing to allow a GitHub App to create or update workflow|Permission to \S+ denied to github-actions\[bot\]/,
    role: "decisive",
    weight: 12,
    cause: "the workflow's token lacks a permission it needs",
    example: "Error: Resource not accessible by integration",
  },
  {
    id: "machine.disk-full",
    ecosystem: "generic",
    category: "infrastructure",
    needle: ["no space left", "enospc"],
    pattern:
      /No space left on device|(?<![\w./\\-])ENOSPC(?![\w/\\-])(?!: System limit for number of file watchers)/i,
    role: "decisive",
    weight: 13,
    cause: "the runner ran out of disk space",
    example: "write /var/lib/docker/tmp/GetImageBlob12: no space left on device",
    notExamples: ["test/fixtures/enospc-handler.js passed"],
  },
  {
    id: "machine.network",
    ecosystem: "generic",
    category: "infrastructure",
    needle: [
      "econnreset",
      "etimedout",
      "eai_again",
      "econnrefused",
      "enotfound",
      "socket hang up",
      "could not resolve host",
      "temporary failure in name resolution",
      "connection reset by peer",
      "tls handshake timeout",
      "network is unreachable",
      "read timed out",
      "connection timed out",
    ],
    pattern: kw(
      "ECONNRESET|ETIMEDOUT|EAI_AGAIN|ECONNREFUSED|ENOTFOUND|socket hang up|Could not resolve host|Temporary failure in name resolution|Connection reset by peer|TLS handshake timeout|Network is unreachable|Read timed out|Connection timed out",
    ),
    role: "decisive",
    weight: 11,
    cause: "a network failure while the job ran",
    example: "npm error code ECONNRESET",
    notExamples: [
      "ok 12 - spec/http-econnrefused.lua",
      "PASS test/etimedout_handling.test.ts",
      "  it handles ECONNRESET_RETRY flag",
    ],
  },
  {
    id: "machine.http-5xx",
    ecosystem: "generic",
    category: "infrastructure",
    needle: [
      "bad gateway",
      "service unavailable",
      "gateway time",
      "status code: 50",
      "internal server error",
    ],
    pattern:
      /\b50[234] (?:Bad Gateway|Service Unavailable|Gateway Time-?out)\b|status code:? 50[0234]\b|\b500 Internal Server Error\b/i,
    role: "decisive",
    weight: 11,
    cause: "a server the job depends on (registry, API) failed",
    example: "npm error 503 Service Unavailable - GET https://registry.npmjs.org/left-pad",
  },
  {
    id: "machine.rate-limit",
    ecosystem: "generic",
    category: "infrastructure",
    needle: ["rate limit", "toomanyrequests", "too many requests"],
    pattern:
      /API rate limit exceeded|toomanyrequests|429 Too Many Requests|You have reached your pull rate limit/i,
    role: "decisive",
    weight: 12,
    cause: "rate limited by a registry or API",
    example: "toomanyrequests: You have reached your pull rate limit.",
  },
  {
    id: "machine.killed",
    ecosystem: "generic",
    category: "out_of_memory",
    needle: ["exit code 137", "killed", "out of memory"],
    pattern:
      /exit code 137\b|^Killed$|Out of memory: Killed process|signal: killed|The runner has run out of memory/,
    role: "decisive",
    weight: 12,
    cause: "the process was killed, most likely out of memory",
    example: "Out of memory: Killed process 4242 (java)",
  },
  {
    id: "shell.command-not-found",
    ecosystem: "generic",
    category: "configuration",
    needle: "command not found",
    pattern: /^(?:.*: )?(?:line (?<line>\d+): )?(?<tool>[\w./+-]+): command not found$/,
    role: "decisive",
    weight: 11,
    cause: "the job runs a command the runner does not have ({tool})",
    example: "/home/runner/work/_temp/1a2b.sh: line 1: pnpm: command not found",
  },
  {
    id: "generic.error-line",
    ecosystem: "generic",
    category: "unknown",
    needle: ["error", "fatal", "fail"],
    pattern:
      /^(?!.*\b(?:0|no|zero) (?:errors?|failures?)\b)(?!.*\b(?:errors?|failures?):? 0\b).*?(?<![\w./\\@$+-])(?:error|errors|fatal|failed|failure|failures)(?![\w/\\@$+-]|\.\w)/i,
    role: "context",
    weight: 1,
    cause: "a line that reports an error",
    example: "Error: something went wrong",
    notExamples: [
      "  - Installing symfony/error-handler (v7.1.0)",
      "Switched to branch 'feature/retry-error'",
      "Ran 12 tests, 0 failures",
      "compiled with no errors",
    ],
  },
];
