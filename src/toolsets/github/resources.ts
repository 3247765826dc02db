/**
 * Issues, pull requests and file contents addressable by URI. The contents template takes the path
 * percent-encoded (`src%2Findex.ts`) because level-1 templates stop at `/`.
 */

import type { GithubDeps } from "../../github/client.js";
import type { ResourceContext, ResourceTemplate } from "../../mcp/tool.js";
import { commentView, type GhCtx, gh, issueView, pullView } from "./common.js";

type Obj = Record<string, unknown>;

function asCtx(ctx: ResourceContext<GithubDeps>): GhCtx {
  return {
    ...ctx,
    progress: async () => {},
    client: undefined,
    callTool: () => Promise.reject(new Error("a resource reads GitHub; it does not call tools")),
  };
}

function json(uri: string, value: unknown) {
  return [{ uri, mimeType: "application/json", text: JSON.stringify(value, null, 2) }];
}

const issueTemplate: ResourceTemplate<GithubDeps> = {
  uriTemplate: "github://repos/{owner}/{repo}/issues/{number}",
  name: "github-issue",
  title: "GitHub issue",
  description: "An issue with its body and first 100 comments, as JSON.",
  mimeType: "application/json",
  async read(uri, vars, ctx) {
    const { request } = gh(asCtx(ctx));
    const ref = { owner: vars["owner"]!, repo: vars["repo"]!, issue_number: Number(vars["number"]) };
    const issue = (await request("GET /repos/{owner}/{repo}/issues/{issue_number}", ref)).data as Obj;
    const comments =
      Number(issue["comments"] ?? 0) > 0
        ? ((
            await request("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", {
              ...ref,
              per_page: 100,
            })
          ).data as Obj[])
        : [];
    return json(uri, {
      ...issueView(issue, 0, ""),
      comment_list: comments.map((c) => commentView(c, 0, "")),
    });
  },
};

const pullTemplate: ResourceTemplate<GithubDeps> = {
  uriTemplate: "github://repos/{owner}/{repo}/pulls/{number}",
  name: "github-pull-request",
  title: "GitHub pull request",
  description: "A pull request (state, branches, mergeability, size, body), as JSON.",
  mimeType: "application/json",
  async read(uri, vars, ctx) {
    const p = (
      await gh(asCtx(ctx)).request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
        owner: vars["owner"]!,
        repo: vars["repo"]!,
        pull_number: Number(vars["number"]),
      })
    ).data as Obj;
    return json(uri, pullView(p, 0, ""));
  },
};

const contentsTemplate: ResourceTemplate<GithubDeps> = {
  uriTemplate: "github://repos/{owner}/{repo}/contents/{path}",
  name: "github-file",
  title: "GitHub file (default branch)",
  description: "A file's content on the default branch; the path is percent-encoded (src%2Fmain.ts).",
  async read(uri, vars, ctx) {
    const { request } = gh(asCtx(ctx));
    const params = { owner: vars["owner"]!, repo: vars["repo"]!, path: vars["path"]! };
    const data = (await request("GET /repos/{owner}/{repo}/contents/{path}", params)).data as Obj | Obj[];
    if (Array.isArray(data)) {
      return json(
        uri,
        data.map((e) => ({ name: e["name"], path: e["path"], type: e["type"] })),
      );
    }
    let buf = Buffer.from(String(data["content"] ?? ""), "base64");
    if (data["encoding"] === "none") {
      // Over 1 MB GitHub sends no content in JSON; the raw media type serves files up to 100 MB.
      const raw = await request("GET /repos/{owner}/{repo}/contents/{path}", {
        ...params,
        headers: { accept: "application/vnd.github.raw" },
        request: { parseSuccessResponseBody: false, noCache: true },
      });
      buf = Buffer.from(await new Response(raw.data as unknown as ReadableStream).arrayBuffer());
    }
    if (buf.subarray(0, 8000).includes(0)) {
      return [{ uri, mimeType: "application/octet-stream", blob: buf.toString("base64") }];
    }
    return [{ uri, mimeType: "text/plain", text: buf.toString("utf8") }];
  },
};

export const githubResourceTemplates: ResourceTemplate<GithubDeps>[] = [
  issueTemplate,
  pullTemplate,
  contentsTemplate,
];
