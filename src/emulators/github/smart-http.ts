/**
 * Git's smart HTTP protocol, read side (clone and fetch), for the emulator's repositories: what
 * `git clone https://github.com/<owner>/<repo>.git` talks to. `GET <repo>.git/info/refs?service=
 * git-upload-pack` advertises the refs, `POST <repo>.git/git-upload-pack` sends the pack; both are
 * `git upload-pack --stateless-rpc` on the bare repository, as git's own http-backend does, for protocol
 * v0, v1 and v2. Pushing (`git-receive-pack`) is refused with 403: pushes go through the REST API (git
 * data and contents endpoints), as repowright's tools do.
 */
import { spawn } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";

const gunzipAsync = promisify(gunzip);

export type GitService = "git-upload-pack" | "git-receive-pack";

export interface SmartHttpRequest {
  owner: string;
  repo: string;
  /** `info/refs` (the advertisement, GET) or the service itself (POST). */
  kind: "info/refs" | "rpc";
  /** The service asked for; null for a dumb-protocol `info/refs` (no `?service=`). */
  service: GitService | null;
}

/** `/<owner>/<repo>[.git]/info/refs` and `/<owner>/<repo>[.git]/git-upload-pack|git-receive-pack`. */
const PATH = /^\/([^/_][^/]*)\/([^/]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/;

/** The smart-HTTP request `url` is, or null when it is not one (then it is a REST request). */
export function parseSmartHttp(url: URL): SmartHttpRequest | null {
  const m = PATH.exec(url.pathname);
  if (!m) return null;
  const owner = decodeURIComponent(m[1]!);
  const repo = decodeURIComponent(m[2]!);
  if (m[3] !== "info/refs") return { owner, repo, kind: "rpc", service: m[3] as GitService };
  const service = url.searchParams.get("service");
  return {
    owner,
    repo,
    kind: "info/refs",
    service: service === "git-upload-pack" || service === "git-receive-pack" ? service : null,
  };
}

/** A text/plain answer: git shows such a body of a failed request to its user, each line as `remote: …`. */
export function sendGitText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  const body = text.endsWith("\n") ? text : `${text}\n`;
  res.writeHead(status, {
    ...headers,
    "content-type": "text/plain; charset=utf-8",
    "content-length": String(Buffer.byteLength(body)),
    "cache-control": "no-cache, max-age=0, must-revalidate",
  });
  res.end(body);
}

function pktLine(text: string): string {
  return `${(Buffer.byteLength(text) + 4).toString(16).padStart(4, "0")}${text}`;
}

/**
 * The `Git-Protocol` header, passed to upload-pack as GIT_PROTOCOL (as http-backend does) when it is
 * well formed: colon-separated `key[=value]` items, e.g. `version=2`. Anything else is dropped (v0).
 */
export function gitProtocol(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header.join(":") : (header ?? "");
  return value.length <= 256 &&
    /^[A-Za-z0-9._-]+(=[A-Za-z0-9._-]*)?(:[A-Za-z0-9._-]+(=[A-Za-z0-9._-]*)?)*$/.test(value)
    ? value
    : "";
}

export interface UploadPackOptions {
  /** Kills upload-pack (and ends the response) after this long; default 5 minutes. */
  timeoutMs?: number;
  /** Where upload-pack's stderr goes when it fails (default: the emulator's stderr). */
  log?: (line: string) => void;
}

/**
 * Serves one upload-pack request for the bare repository at `gitDir`: `body` is the complete request
 * body (read to its end, chunked or not, before this is called). The response streams upload-pack's
 * stdout and ends when upload-pack exits; when upload-pack fails before writing anything the client gets
 * a 500 with its stderr. A client that goes away kills upload-pack.
 */
export async function serveUploadPack(
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  gitDir: string,
  kind: "info/refs" | "rpc",
  options: UploadPackOptions = {},
): Promise<void> {
  const advertise = kind === "info/refs";
  const contentType = advertise
    ? "application/x-git-upload-pack-advertisement"
    : "application/x-git-upload-pack-result";
  if (!advertise) {
    const type = String(req.headers["content-type"] ?? "");
    if (type !== "application/x-git-upload-pack-request") {
      sendGitText(res, 415, `Unsupported Media Type: expected application/x-git-upload-pack-request`);
      return;
    }
  }
  let input: Buffer = body;
  const encoding = String(req.headers["content-encoding"] ?? "").toLowerCase();
  if (!advertise && (encoding === "gzip" || encoding === "x-gzip")) {
    try {
      input = await gunzipAsync(body);
    } catch {
      sendGitText(res, 400, "Bad Request: the gzip request body does not decompress");
      return;
    }
  }
  const protocol = gitProtocol(req.headers["git-protocol"]);
  const v2 = protocol.split(":").includes("version=2");
  const child = spawn(
    "git",
    [
      // What github.com allows: partial clone (--filter) and fetching any reachable commit by its id.
      "-c",
      "uploadpack.allowFilter=true",
      "-c",
      "uploadpack.allowReachableSHA1InWant=true",
      "upload-pack",
      "--stateless-rpc",
      ...(advertise ? ["--advertise-refs"] : []),
      gitDir,
    ],
    {
      // Built from nothing: no host config (system or global) gets to name programs for git to run.
      env: {
        PATH: process.env["PATH"] ?? "/usr/bin:/bin",
        HOME: gitDir,
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_CONFIG_GLOBAL: "/dev/null",
        LANG: "C",
        LC_ALL: "C",
        ...(protocol ? { GIT_PROTOCOL: protocol } : {}),
      },
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  const stderr: Buffer[] = [];
  let stderrBytes = 0;
  child.stderr.on("data", (c: Buffer) => {
    // Drained always (a full stderr pipe would stall upload-pack), kept up to 64 KiB for the message.
    if (stderrBytes < 65536) stderr.push(c);
    stderrBytes += c.length;
  });
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    res.writeHead(200, {
      "content-type": contentType,
      "cache-control": "no-cache, max-age=0, must-revalidate",
      pragma: "no-cache",
      expires: "Fri, 01 Jan 1980 00:00:00 GMT",
    });
    // v0 and v1 advertisements start with the service line; a v2 one is upload-pack's capability list.
    if (advertise && !v2) res.write(`${pktLine("# service=git-upload-pack\n")}0000`);
  };
  child.stdout.on("data", (chunk: Buffer) => {
    start();
    if (!res.write(chunk)) {
      child.stdout.pause();
      res.once("drain", () => child.stdout.resume());
    }
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 300_000);
  const gone = () => {
    if (!res.writableFinished) child.kill("SIGKILL");
  };
  res.once("close", gone);
  // upload-pack may exit before reading all of its input (an error): that EPIPE is not ours to report.
  child.stdin.on("error", () => undefined);
  child.stdin.end(advertise ? undefined : input);

  const outcome = await new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.once("error", (error) => resolve({ code: null, error }));
    child.once("close", (code) => resolve({ code }));
  });
  clearTimeout(timer);
  res.off("close", gone);
  const message = outcome.error?.message ?? Buffer.concat(stderr).toString("utf8").trim();
  if (outcome.code !== 0 && message) (options.log ?? defaultLog)(`git upload-pack ${gitDir}: ${message}`);
  if (res.destroyed) return;
  if (!started && outcome.code !== 0) {
    sendGitText(res, 500, `upload-pack failed: ${message || `exit ${outcome.code}`}`);
    return;
  }
  start();
  res.end();
}

function defaultLog(line: string): void {
  process.stderr.write(`github emulator: ${line}\n`);
}
