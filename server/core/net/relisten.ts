/**
 * A `node:net` listener that survives running out of file descriptors.
 *
 * Deno's `node:net` server stops accepting for good once an accept fails for
 * lack of file descriptors, and says nothing (no "error" event). So the
 * process checks every second whether it has run out of them, and once it
 * has recovered, the front's server is listened anew: otherwise a burst of
 * connections could switch the front off until the server is restarted.
 * (The native listener uses `Deno.listen`, whose accept loop retries.)
 */

import type { Server } from "node:net";
import { descriptorsAvailable } from "./descriptors.ts";
import type { Logger } from "../log.ts";

/** How often the process checks whether it is out of file descriptors. */
const DESCRIPTOR_CHECK_MS = 1000;

/** A listening front that listens again after file descriptors ran out. */
export interface ResilientListener {
  /** The bound port. */
  readonly port: number;
  close(): void;
}

/** Options for {@linkcode listenResiliently}. */
export interface ListenResilientlyOptions {
  /** The front, for log lines: `out of file descriptors protocol=P`, `P listener restarted`. */
  protocol: string;
  /** The port is shared with the other server threads (so a new server can bind beside the old). */
  reusePort: boolean;
  log: Logger;
}

/**
 * Listens with `listen(port)` (a new `node:net` server bound to `port`; 0 the first time
 * means any), and again on the same port whenever descriptors came back after running out.
 */
export async function listenResiliently(
  listen: (port: number) => Promise<Server>,
  initialPort: number,
  options: ListenResilientlyOptions,
): Promise<ResilientListener> {
  let server = await listen(initialPort);
  const port = boundPort(server) ?? initialPort;
  const { protocol, log } = options;
  let outOfDescriptors = false;
  let restarting = false;
  const check = setInterval(() => {
    if (restarting) return;
    if (!descriptorsAvailable()) {
      if (!outOfDescriptors) log.warn("out of file descriptors", { protocol });
      outOfDescriptors = true;
      return;
    }
    if (!outOfDescriptors) return;
    outOfDescriptors = false;
    restarting = true;
    relisten(server, () => listen(port), options.reusePort)
      .then((fresh) => {
        server = fresh;
        log.info(`${protocol} listener restarted`, { port });
      })
      .catch((error) => {
        outOfDescriptors = true; // Try again at the next check.
        log.error(`${protocol} listener restart failed`, { detail: String(error) });
      })
      .finally(() => restarting = false);
  }, DESCRIPTOR_CHECK_MS);
  Deno.unrefTimer(check);
  return {
    port,
    close: () => {
      clearInterval(check);
      server.close();
    },
  };
}

/** Replaces `old` with a new server on the same port (opened first when the port is shared). */
async function relisten(
  old: Server,
  listen: () => Promise<Server>,
  reusePort: boolean,
): Promise<Server> {
  if (!reusePort) old.close();
  const fresh = await listen();
  if (reusePort) old.close();
  return fresh;
}

function boundPort(server: Server): number | undefined {
  const address = server.address();
  return typeof address === "object" && address ? address.port : undefined;
}
