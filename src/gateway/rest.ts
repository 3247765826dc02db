/**
 * The REST gateway: every tool the host serves as `POST /api/v1/tools/<name>` with the arguments as the
 * JSON body, for scripts, CI jobs and services that do not speak MCP. Same pipeline as MCP calls (roles,
 * rate limits, validation, time limit, redaction, metrics, audit), same bearer-token authentication, and an
 * OpenAPI 3.1 description generated from the tools' own schemas at `/api/v1/openapi.json`.
 *
 * A tool error answers with its HTTP status (validation 400, auth 401, forbidden 403, not_found 404,
 * conflict 409, rate_limited 429 with Retry-After, internal 500, upstream 502, timeout 504) and the
 * error shape as the body.
 */
import type { ServerResponse } from "node:http";
import { ERROR_CONTRACT, ERROR_TYPES } from "../core/errors.js";
import type { Authenticator, Principal } from "../mcp/auth.js";
import type { Host } from "../mcp/host.js";
import { authenticate, type HttpRoute, readBody, sendJson } from "../mcp/http.js";
import type { Outcome } from "../mcp/pipeline.js";
import { toolInputSchema, toolOutputSchema } from "../mcp/schema.js";
import { SERVER_NAME, SERVER_VERSION } from "../mcp/server.js";
import { type Caller, RawResult } from "../mcp/tool.js";

export const API_PREFIX = "/api/v1";

export interface RestOptions {
  authenticator?: Authenticator;
  /** Largest accepted request body; default 4 MiB. */
  maxBodyBytes?: number;
}

/** The gateway's routes, to mount on the HTTP server next to the MCP endpoint. */
export function restRoutes(host: Host, options: RestOptions = {}): HttpRoute {
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const callerOf = (p: Principal | undefined): Caller => ({
    id: p?.id ?? "anonymous",
    roles: p?.roles ?? [],
    transport: "http",
  });

  return async (req, res, url) => {
    if (!url.pathname.startsWith(`${API_PREFIX}/`)) return false;
    const rest = url.pathname.slice(API_PREFIX.length);
    let principal: Principal | undefined;
    if (options.authenticator) {
      const who = await authenticate(req, res, host, options.authenticator, (status, error) => ({
        error,
        type: status === 401 ? "auth" : "forbidden",
        status_code: status,
      }));
      if (who === null) return true;
      principal = who;
    }
    const caller = callerOf(principal);

    if (rest === "/tools" && req.method === "GET") {
      sendJson(res, 200, {
        tools: [...host.tools.values()]
          .filter(({ tool }) => host.allows(tool.name, caller))
          .map(({ tool, toolset }) => ({
            name: tool.name,
            toolset,
            title: tool.title,
            description: tool.description,
            annotations: tool.annotations,
            input_schema: toolInputSchema(tool),
            ...(tool.output ? { output_schema: toolOutputSchema(tool) } : {}),
          })),
      });
      return true;
    }
    if (rest === "/openapi.json" && req.method === "GET") {
      sendJson(res, 200, openApi(host, caller, options.authenticator !== undefined));
      return true;
    }
    // Jobs are read and cancelled through the jobs toolset's tools: the same checks as any call.
    const job = /^\/jobs(?:\/([A-Za-z0-9_.:-]{1,128}))?$/.exec(rest);
    if (job && (req.method === "GET" || (req.method === "DELETE" && job[1]))) {
      const controller = new AbortController();
      res.on("close", () => {
        if (!res.writableFinished) controller.abort(new Error("client disconnected"));
      });
      const wait = url.searchParams.get("wait_s");
      const state = url.searchParams.get("state");
      const [tool, args] = !job[1]
        ? ["list_jobs", { ...(state ? { state } : {}) }]
        : req.method === "DELETE"
          ? ["cancel_job", { job_id: job[1] }]
          : ["get_job", { job_id: job[1], ...(wait ? { wait_s: Number(wait) } : {}) }];
      if (!host.tools.has(tool)) {
        sendJson(res, 404, {
          error: "the jobs toolset is not served here",
          type: "not_found",
          status_code: 404,
        });
        return true;
      }
      sendOutcome(res, await host.invoke(tool, args, { caller, signal: controller.signal }));
      return true;
    }
    // Flows: POST /flows/<name>/runs starts one (body: its inputs), GET /flow-runs/<id> reads one.
    const flowStart = /^\/flows\/([A-Za-z0-9_.-]{1,64})\/runs$/.exec(rest);
    const flowRun = /^\/flow-runs\/([A-Za-z0-9-]{1,64})$/.exec(rest);
    if ((flowStart && req.method === "POST") || (flowRun && req.method === "GET")) {
      let args: Record<string, unknown>;
      if (flowStart) {
        const raw = await readBody(req, maxBody);
        let inputs: unknown = {};
        try {
          inputs = raw && raw.trim() !== "" ? JSON.parse(raw) : {};
        } catch {
          sendJson(res, 400, {
            error: "the body is not JSON: send the flow's inputs as a JSON object",
            type: "validation",
            status_code: 400,
          });
          return true;
        }
        args = {
          name: flowStart[1],
          inputs,
          ...(url.searchParams.get("wait_s") ? { wait_s: Number(url.searchParams.get("wait_s")) } : {}),
        };
      } else args = { run_id: flowRun?.[1] };
      const tool = flowStart ? "run_flow" : "get_flow_run";
      if (!host.tools.has(tool)) {
        sendJson(res, 404, {
          error: "the flows toolset is not served here",
          type: "not_found",
          status_code: 404,
        });
        return true;
      }
      sendOutcome(res, await host.invoke(tool, args, { caller }));
      return true;
    }
    const m = /^\/tools\/([A-Za-z0-9_]+)$/.exec(rest);
    if (!m) {
      sendJson(res, 404, {
        error: `no such API path; see ${API_PREFIX}/openapi.json`,
        type: "not_found",
        status_code: 404,
      });
      return true;
    }
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      sendJson(res, 405, {
        error: "call a tool with POST and its arguments as a JSON object",
        type: "validation",
        status_code: 405,
      });
      return true;
    }
    const name = m[1]!;
    if (!host.tools.has(name)) {
      sendJson(res, 404, {
        error: `unknown tool "${name}"; GET ${API_PREFIX}/tools lists the tools`,
        type: "not_found",
        status_code: 404,
      });
      return true;
    }
    const raw = await readBody(req, maxBody);
    if (raw === null) {
      sendJson(res, 413, {
        error: `request body larger than ${maxBody} bytes`,
        type: "validation",
        status_code: 413,
      });
      return true;
    }
    let args: unknown = {};
    if (raw.trim() !== "") {
      try {
        args = JSON.parse(raw);
      } catch {
        sendJson(res, 400, {
          error: "the body is not JSON: send the arguments as a JSON object",
          type: "validation",
          status_code: 400,
        });
        return true;
      }
    }
    // A client that goes away cancels its call, as over MCP.
    const controller = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) controller.abort(new Error("client disconnected"));
    });
    const key = req.headers["idempotency-key"];
    const idempotencyKey = typeof key === "string" && key.length > 0 && key.length <= 200 ? key : undefined;
    sendOutcome(
      res,
      await host.invoke(name, args, {
        caller,
        signal: controller.signal,
        ...(idempotencyKey ? { idempotencyKey } : {}),
      }),
    );
    return true;
  };
}

/** An outcome as HTTP: the value as the JSON body, or the error shape with the contract's status. */
function sendOutcome(res: ServerResponse, outcome: Outcome): void {
  if (!outcome.ok) {
    const { error } = outcome;
    if (error.type === "rate_limited" && error.retry_after_s !== undefined)
      res.setHeader("retry-after", String(error.retry_after_s));
    sendJson(res, ERROR_CONTRACT[error.type].http, error);
    return;
  }
  const { value } = outcome;
  if (value instanceof RawResult) {
    sendJson(res, 200, value.structuredContent ?? { content: value.content });
    return;
  }
  sendJson(res, 200, typeof value === "string" ? { text: value } : (value ?? null));
}

const ERROR_SCHEMA = {
  type: "object",
  required: ["error", "type"],
  properties: {
    error: { type: "string" },
    type: { type: "string", enum: [...ERROR_TYPES] },
    status_code: { type: "integer" },
    retry_after_s: { type: "number" },
    details: { type: "object" },
  },
};

/** OpenAPI 3.1 for the tools this caller may call; the request body of each is the tool's input schema. */
export function openApi(host: Host, caller: Caller, authenticated: boolean): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const { tool, toolset } of host.tools.values()) {
    if (!host.allows(tool.name, caller)) continue;
    const output = toolOutputSchema(tool);
    paths[`${API_PREFIX}/tools/${tool.name}`] = {
      post: {
        operationId: tool.name,
        summary: tool.title,
        description: tool.description,
        tags: [toolset],
        requestBody: { required: true, content: { "application/json": { schema: toolInputSchema(tool) } } },
        responses: {
          "200": {
            description: "The tool's result.",
            content: { "application/json": { schema: output ?? {} } },
          },
          default: {
            description: "An error in the error shape of docs/architecture.md.",
            content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
          },
        },
        "x-annotations": tool.annotations,
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: `${SERVER_NAME} REST gateway`, version: SERVER_VERSION },
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA },
      ...(authenticated
        ? { securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } } }
        : {}),
    },
    ...(authenticated ? { security: [{ bearer: [] }] } : {}),
  };
}
