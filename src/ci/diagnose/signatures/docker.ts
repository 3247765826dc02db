/** docker build / BuildKit, image pulls, the daemon. */
import type { Signature } from "../types.js";

export const DOCKER: readonly Signature[] = [
  {
    id: "docker.step-failed",
    ecosystem: "docker",
    category: "unknown",
    needle: "did not complete successfully",
    pattern: /failed to solve: process "(?<code>[^"]+)" did not complete successfully: exit code: \d+/,
    role: "summary",
    weight: 5,
    tool: "docker",
    cause: "a Dockerfile step fails ({code})",
    example:
      'ERROR: failed to solve: process "/bin/sh -c npm ci" did not complete successfully: exit code: 1',
  },
  {
    id: "docker.image-missing",
    ecosystem: "docker",
    category: "dependency",
    needle: [
      "manifest unknown",
      "pull access denied",
      "failed to resolve source metadata",
      "not found: manifest",
    ],
    pattern:
      /pull access denied for (?<package>[^\s,]+)|(?<package2>\S+): failed to resolve source metadata for \S+: .*not found|manifest (?:for (?<package3>\S+) )?(?:not found|unknown)/,
    role: "decisive",
    weight: 12,
    tool: "docker",
    cause: "a container image does not exist or cannot be pulled ({package})",
    example:
      "Error response from daemon: manifest for node:99-alpine not found: manifest unknown: manifest unknown",
  },
  {
    id: "docker.daemon",
    ecosystem: "docker",
    category: "infrastructure",
    needle: ["cannot connect to the docker daemon", "error during connect"],
    pattern: /Cannot connect to the Docker daemon|error during connect: /,
    role: "decisive",
    weight: 12,
    tool: "docker",
    cause: "the Docker daemon is not reachable",
    example:
      "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
  },
  {
    id: "docker.copy-missing",
    ecosystem: "docker",
    category: "configuration",
    needle: "failed to compute cache key",
    pattern: /failed to compute cache key: .*"(?<file>[^"]+)": not found/,
    role: "decisive",
    weight: 12,
    tool: "docker",
    cause: "the Dockerfile copies a file that is not in the build context ({file})",
    example:
      'ERROR: failed to solve: failed to compute cache key: failed to calculate checksum of ref 4f0b::x: "/dist": not found',
  },
];
