/**
 * Every toolset the binary can serve, in the order tools are listed. Adding a toolset: create
 * src/toolsets/<name>/index.ts exporting a `defineToolset(...)`, and add it here.
 */
import type { Toolset } from "../mcp/tool.js";
import { ciToolset } from "./ci/index.js";
import { codeToolset } from "./code/index.js";
import { flowsToolset } from "./flows/index.js";
import { frappeToolset } from "./frappe/index.js";
import { githubToolset } from "./github/index.js";
import { goalsToolset } from "./goals/index.js";
import { jiraToolset } from "./jira/index.js";
import { jobsToolset } from "./jobs/index.js";
import { memoryToolset } from "./memory/index.js";
import { prsToolset } from "./prs/index.js";
import { webToolset } from "./web/index.js";

export function allToolsets(): Toolset[] {
  return [
    memoryToolset,
    githubToolset,
    ciToolset,
    jiraToolset,
    goalsToolset,
    codeToolset,
    prsToolset,
    webToolset,
    frappeToolset,
    jobsToolset,
    flowsToolset,
  ] as Toolset[];
}
