/**
 * The web tests' network: a fake DNS table and a dial that only ever reaches the test's own 127.0.0.1
 * server, whatever address it is asked for, recording what was looked up and dialled. Names that look
 * public (docs.example.test) resolve to public-looking addresses that are never really dialled.
 */
import { connect, type Socket } from "node:net";
import type { DialTarget, ResolvedAddress, WebNetwork } from "../../src/web/client.js";

/** The fake DNS: what each name "resolves" to. Nothing here is ever dialled: the dial goes to loopback. */
export const DNS: Record<string, ResolvedAddress[]> = {
  "docs.example.test": [{ address: "93.184.216.34", family: 4 }],
  "v6.example.test": [{ address: "2606:2800:220:1:248:1893:25c8:1946", family: 6 }],
  "intranet.example.test": [{ address: "10.1.2.3", family: 4 }],
  "metadata.example.test": [{ address: "169.254.169.254", family: 4 }],
  // One private address among public ones is enough to refuse the name.
  "mixed.example.test": [
    { address: "93.184.216.34", family: 4 },
    { address: "127.0.0.1", family: 4 },
  ],
  "mapped.example.test": [{ address: "::ffff:192.168.1.1", family: 6 }],
  "robots.example.test": [{ address: "93.184.216.35", family: 4 }],
  "down-robots.example.test": [{ address: "93.184.216.36", family: 4 }],
  "other.example.test": [{ address: "93.184.216.37", family: 4 }],
  localhost: [
    { address: "127.0.0.1", family: 4 },
    { address: "::1", family: 6 },
  ],
};

/** A fake network for one app: the DNS table above, and a dial that only ever reaches `port` on 127.0.0.1. */
export function fakeNetwork(port: () => number): {
  network: WebNetwork;
  looked: string[];
  dialed: DialTarget[];
} {
  const looked: string[] = [];
  const dialed: DialTarget[] = [];
  return {
    looked,
    dialed,
    network: {
      async lookup(hostname) {
        looked.push(hostname);
        const addresses = DNS[hostname];
        if (!addresses)
          throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
        return addresses;
      },
      dial(target) {
        dialed.push(target);
        if (target.tls) return Promise.reject(new Error("this test serves plain http only"));
        return new Promise<Socket>((resolve, reject) => {
          const socket = connect({ host: "127.0.0.1", port: port() });
          socket.once("error", reject);
          socket.once("connect", () => {
            socket.off("error", reject);
            resolve(socket);
          });
        });
      },
    },
  };
}
