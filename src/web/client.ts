/**
 * The web client: how repowright reaches arbitrary web sites (web_fetch) and the configured search
 * provider (web_search). Built once per process by the composition root (src/clients.ts).
 *
 * Its two network edges are injectable, `WebNetwork { lookup, dial }`: DNS (default node:dns) and the
 * TCP connect, TLS for https (default node:net / node:tls). Every connection of its undici Agents runs
 * lookup -> check -> dial: the name is resolved (an IP literal is taken as is), EVERY address returned
 * must be public unless REPOWRIGHT_WEB_ALLOW_PRIVATE is set (else `forbidden`, nothing dialled), and only
 * then is the checked address dialled. A name that changes its answer between a check and the connect
 * (DNS rebinding) cannot slip through: the address dialled is the address checked. Page fetches also
 * check IP literals in the URL, and every redirect hop (redirects are followed by hand).
 *
 * Tests inject a fake DNS table and a dial that always connects to their own 127.0.0.1 server and
 * records what was asked for: no test can send a packet off the machine, even with the guard broken,
 * and a test can assert that a refused URL was never dialled.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import { isIP, connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import ipaddr from "ipaddr.js";
import { Agent, type buildConnector, fetch as undiciFetch } from "undici";
import type { Config } from "../core/config.js";
import { ToolError, validationError } from "../core/errors.js";

export interface ResolvedAddress {
  address: string;
  /** 4 or 6. */
  family: number;
}

/** One connection to open: an address that has already been checked. */
export interface DialTarget {
  /** The address to connect to (resolved and checked; never a name). */
  address: string;
  family: number;
  port: number;
  /** The host as the URL names it: the TLS server name and the name the certificate must carry. */
  hostname: string;
  /** https: a TLS connection, resolved once the handshake is done. */
  tls: boolean;
}

/** The web client's network edges. */
export interface WebNetwork {
  /** Every address of a name (default: node:dns lookup with `all: true`). */
  lookup(hostname: string): Promise<ResolvedAddress[]>;
  /** Opens a connection to a checked address; resolves once connected (default: node:net, node:tls). */
  dial(target: DialTarget): Promise<Socket>;
}

export type WebResponse = Awaited<ReturnType<typeof undiciFetch>>;

export interface WebRequest {
  signal: AbortSignal;
  headers?: Record<string, string>;
}

export interface WebClient {
  /**
   * Fetches a URL someone asked for (web_fetch): http(s) only, public addresses only unless allowed
   * (IP literals, each redirect hop, and at connect time every address DNS returns), at most
   * MAX_REDIRECTS redirects. Gives the last response and its URL.
   */
  fetchPage(url: URL, request: WebRequest): Promise<{ res: WebResponse; url: URL }>;
  /**
   * Fetches a configured endpoint (the search provider, which may well be on loopback): the same
   * network edges, without the public-address check.
   */
  fetchService(url: URL, request: WebRequest): Promise<WebResponse>;
  close(): Promise<void>;
}

export interface CreateWebClientOptions {
  config: Readonly<Config["web"]>;
  /** Replaces the DNS lookup and/or the dial (tests: a fake table and a dial to their own server). */
  network?: Partial<WebNetwork>;
  /** Longest a connection may take, lookup and TLS handshake included; default 10 s. */
  connectTimeoutMs?: number;
}

export const MAX_REDIRECTS = 5;

/**
 * Whether an address is on the public internet (what web_fetch may reach by default). ipaddr.js gives
 * IPv4-mapped addresses their IPv4 range and puts NAT64, 6to4 and Teredo in ranges of their own (refused
 * here), but calls an IPv4-compatible address (::/96) written in hex, `::7f00:1` — which is what URL
 * parsing makes of `[::127.0.0.1]` — unicast: such an address is judged by the IPv4 address it carries.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const ip = ipaddr.process(address);
  if (ip.range() !== "unicast") return false;
  if (ip.kind() === "ipv6") {
    const p = (ip as ipaddr.IPv6).parts;
    if (p.slice(0, 6).every((x) => x === 0)) {
      const v4 = new ipaddr.IPv4([p[6]! >> 8, p[6]! & 255, p[7]! >> 8, p[7]! & 255]);
      return v4.range() === "unicast";
    }
  }
  return true;
}

function forbiddenHost(host: string, address: string): ToolError {
  return new ToolError(
    "forbidden",
    `${host} is ${address === host ? "" : `at ${address}, `}not a public internet address; web_fetch does not reach loopback, private or link-local networks (REPOWRIGHT_WEB_ALLOW_PRIVATE=true allows it)`,
    { statusCode: 403 },
  );
}

/** node:dns: every address, in the resolver's order. */
async function defaultLookup(hostname: string): Promise<ResolvedAddress[]> {
  return dnsLookup(hostname, { all: true });
}

/** node:net, or node:tls for https (SNI and the certificate check on the URL's name, not the address). */
function defaultDial(target: DialTarget): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = target.tls
      ? tlsConnect({
          host: target.address,
          port: target.port,
          // RFC 6066: no IP address as server name; the certificate is then checked against the address.
          ...(isIP(target.hostname) ? {} : { servername: target.hostname }),
          ALPNProtocols: ["http/1.1"],
        })
      : netConnect({ host: target.address, port: target.port, family: target.family });
    socket.setNoDelay(true).setKeepAlive(true, 60_000);
    socket.once("error", reject);
    socket.once(target.tls ? "secureConnect" : "connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
  });
}

/** undici's connect step: lookup -> check every address (when guarded) -> dial the checked address. */
function connector(network: WebNetwork, guarded: boolean, timeoutMs: number): buildConnector.connector {
  return (options, callback) => {
    const hostname = options.hostname.replace(/^\[|\]$/g, "");
    const tls = options.protocol === "https:";
    const port = Number(options.port) || (tls ? 443 : 80);
    let settled = false;
    const settle = (err: Error | null, socket?: Socket) => {
      if (settled) {
        socket?.destroy();
        return;
      }
      settled = true;
      clearTimeout(timer);
      if (err) callback(err, null);
      else callback(null, socket!);
    };
    const timer = setTimeout(
      () => settle(new ToolError("timeout", `connecting to ${hostname} took more than ${timeoutMs} ms`)),
      timeoutMs,
    );
    (async () => {
      const family = isIP(hostname);
      const addresses = family ? [{ address: hostname, family }] : await network.lookup(hostname);
      if (addresses.length === 0) throw new Error(`${hostname} has no address`);
      if (guarded) {
        const bad = addresses.find((a) => !isPublicAddress(a.address));
        if (bad) throw forbiddenHost(hostname, bad.address);
      }
      const first = addresses[0]!;
      return network.dial({ address: first.address, family: first.family, port, hostname, tls });
    })().then(
      (socket) => settle(null, socket),
      (err: Error) => settle(err),
    );
  };
}

export function createWebClient(options: CreateWebClientOptions): WebClient {
  const network: WebNetwork = {
    lookup: options.network?.lookup ?? defaultLookup,
    dial: options.network?.dial ?? defaultDial,
  };
  const timeoutMs = options.connectTimeoutMs ?? 10_000;
  const allowPrivate = options.config.allowPrivate;
  const pages = new Agent({ connect: connector(network, !allowPrivate, timeoutMs), connections: 16 });
  const services = new Agent({ connect: connector(network, false, timeoutMs), connections: 16 });

  return {
    async fetchPage(start, request) {
      let url = start;
      for (let hop = 0; ; hop++) {
        if (url.protocol !== "http:" && url.protocol !== "https:") {
          throw validationError(`only http and https URLs can be fetched, not ${url.protocol}`);
        }
        const host = url.hostname.replace(/^\[|\]$/g, "");
        if (ipaddr.isValid(host) && !allowPrivate && !isPublicAddress(host)) throw forbiddenHost(host, host);
        let res: WebResponse;
        try {
          res = await undiciFetch(url, {
            dispatcher: pages,
            redirect: "manual",
            signal: request.signal,
            headers: request.headers,
          });
        } catch (err) {
          const cause = (err as { cause?: unknown }).cause;
          if (cause instanceof ToolError) throw cause;
          if (request.signal.aborted) throw err;
          throw new ToolError(
            "upstream",
            `fetching ${url.href} failed: ${(cause as Error)?.message ?? (err as Error).message}`,
            { cause: err },
          );
        }
        const location = res.headers.get("location");
        if (res.status >= 300 && res.status < 400 && location) {
          await res.body?.cancel();
          if (hop >= MAX_REDIRECTS)
            throw new ToolError("upstream", `more than ${MAX_REDIRECTS} redirects from ${start.href}`);
          url = new URL(location, url);
          continue;
        }
        return { res, url };
      }
    },
    fetchService(url, request) {
      return undiciFetch(url, { dispatcher: services, signal: request.signal, headers: request.headers });
    },
    async close() {
      await Promise.all([pages.close(), services.close()]);
    },
  };
}
