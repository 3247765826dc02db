/**
 * Network edges for tests that can only reach this machine: whatever the code under test asks for, no
 * packet leaves loopback, and no name is ever looked up in DNS.
 *
 * - `loopbackFetch`: a fetch (undici's, over an Agent of its own) whose every connection — redirects
 *   included — is opened by a connector that knows only loopback literals and `localhost`; anything else
 *   fails before a socket exists. startTestApp gives it to the model clients and the GitHub client.
 * - `loopbackWebNetwork`: the web client's lookup (only `localhost`) and dial (only loopback addresses).
 *
 * A test that needs a name to resolve brings its own table (test/web/web.test.ts).
 */
import { isIP, connect as netConnect, type Socket } from "node:net";
import { Agent, type buildConnector, fetch as undiciFetch } from "undici";
import type { WebNetwork } from "../../src/web/client.js";

function isLoopbackLiteral(host: string): boolean {
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1";
}

function offLoopback(what: string): Error {
  return Object.assign(new Error(`the test network reaches only loopback, not ${what}; nothing was sent`), {
    code: "ENOTLOOPBACK",
  });
}

function dialLoopback(address: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: address, port });
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
  });
}

const loopbackConnector: buildConnector.connector = (options, callback) => {
  const host = options.hostname.replace(/^\[|\]$/g, "");
  const address = host === "localhost" ? "127.0.0.1" : host;
  if (options.protocol !== "http:" || !isLoopbackLiteral(address)) {
    callback(offLoopback(`${options.protocol}//${options.hostname}`), null);
    return;
  }
  dialLoopback(address, Number(options.port) || 80).then(
    (socket) => callback(null, socket),
    (err: Error) => callback(err, null),
  );
};

const loopbackAgent = new Agent({ connect: loopbackConnector });

/** A fetch that reaches only loopback (http on 127.0.0.0/8, ::1, localhost). */
export const loopbackFetch = ((input: Parameters<typeof fetch>[0], init?: RequestInit) => {
  if (typeof input !== "string" && !(input instanceof URL))
    return Promise.reject(new TypeError("loopbackFetch takes a URL or a string, not a Request"));
  return undiciFetch(input, { ...(init as object), dispatcher: loopbackAgent });
}) as unknown as typeof fetch;

/** The web client's edges, reaching only loopback: `localhost` resolves, nothing else does. */
export const loopbackWebNetwork: WebNetwork = {
  async lookup(hostname) {
    if (hostname === "localhost") return [{ address: "127.0.0.1", family: 4 }];
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname} (the test network has no DNS)`), {
      code: "ENOTFOUND",
    });
  },
  dial(target) {
    if (target.tls || !isLoopbackLiteral(target.address))
      return Promise.reject(offLoopback(`${target.address}:${target.port}`));
    return dialLoopback(target.address, target.port);
  },
};
