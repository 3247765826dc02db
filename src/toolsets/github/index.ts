/**
 * The GitHub toolset: issues, pull requests, repositories and Actions, as compact model-friendly tools
 * over one Octokit (client.ts). Names follow the official GitHub MCP server where it has one.
 */

import { type GithubDeps, missingCredentials } from "../../github/deps.js";
import { defineToolset, type Tool } from "../../mcp/tool.js";
import { actionTools } from "./actions.js";
import { issueTools } from "./issues.js";
import { pullTools } from "./pulls.js";
import { repoTools } from "./repos.js";
import { githubResourceTemplates } from "./resources.js";

export const githubTools: Tool[] = [...issueTools, ...pullTools, ...repoTools, ...actionTools] as Tool[];

export const githubToolset = defineToolset<GithubDeps>({
  name: "github",
  description:
    "GitHub issues, pull requests, repositories and Actions (token or GitHub App; GHES via GITHUB_API_URL).",
  tools: githubTools as Tool<never, GithubDeps>[],
  resourceTemplates: githubResourceTemplates,
  unavailable: (config) => missingCredentials(config.github),
  init: (services) => services.clients.github(),
});
