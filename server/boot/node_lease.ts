/**
 * This node's lease in a shared database, kept by the main server thread:
 * a heartbeat every fifth of `node_lease`, and, once this node itself has
 * renewed without a break for a whole lease, the release of every node whose
 * heartbeat is older than the lease (their sessions dropped, their upload
 * reservations settled: what each partial holds is charged, the rest freed,
 * as at a restart).
 *
 * Two rules keep a live node from being released by mistake:
 *
 * - Ages are read on the database's clock, never compared across machines.
 * - A node judges others only after a lease of unbroken heartbeats of its
 *   own: after the database was unreachable for everyone, every node is
 *   late, and each first gives the others a lease to renew.
 *
 * A node that finds its own lease released (it was cut off from the
 * database, or stalled, for longer than the lease while others could reach
 * it) has lost its sessions' and uploads' rows: it stops, so that a
 * supervisor restarts it clean, rather than serve on against rows that are
 * gone.
 *
 * SQLite (one node) has nothing to keep: no timer runs.
 */

import type { Accounts } from "../core/accounts.ts";
import type { Logger } from "../core/log.ts";
import { settleLeftReservations } from "../core/transfer/mod.ts";

/** Options for {@linkcode keepNodeLease}. */
export interface NodeLeaseOptions {
  /** `node_lease`, in milliseconds. */
  leaseMs: number;
  log: Logger;
  /** Called once when this node's lease turns out to have been released by another node. */
  onLost: () => void;
}

/** A running lease keeper. */
export interface NodeLeaseKeeper {
  /** Stops the heartbeats (the lease then expires on its own). */
  stop(): void;
}

/**
 * Keeps this node's lease on `accounts` (a connection of its own, closed by
 * `stop()`), and releases dead nodes. The lease must have been joined.
 */
export function keepNodeLease(accounts: Accounts, options: NodeLeaseOptions): NodeLeaseKeeper {
  const { leaseMs, log } = options;
  const nodes = accounts.stores.nodes;
  const intervalMs = Math.max(100, Math.floor(leaseMs / 5));
  /** Start of the current run of unbroken heartbeats (this process's monotonic clock). */
  let healthySince: number | null = performance.now();
  let unreachable = false;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const tick = async () => {
    try {
      if (!await nodes.heartbeat()) {
        log.error("node lease lost", {
          node: nodes.self,
          detail: "another node released this node's sessions and reservations; stopping",
        });
        stopped = true;
        options.onLost();
        return;
      }
      if (unreachable) log.info("database reachable again", { node: nodes.self });
      unreachable = false;
      healthySince ??= performance.now();
      if (performance.now() - healthySince >= leaseMs) await releaseDead(accounts, leaseMs, log);
    } catch (error) {
      if (!unreachable) {
        log.warn("node heartbeat failed", { node: nodes.self, detail: String(error) });
      }
      unreachable = true;
      healthySince = null;
    }
  };
  const loop = async () => {
    if (stopped) return;
    await tick();
    if (!stopped) timer = setTimeout(loop, intervalMs);
  };
  timer = setTimeout(loop, intervalMs);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      accounts.close().catch(() => {});
    },
  };
}

/**
 * Releases every node whose lease expired, then cleans up after every
 * released node that still holds something (one whose cleaner was cut short
 * included). Each step is safe to run on several nodes at once: a session
 * row is deleted once, a reservation charged once.
 */
export async function releaseDead(accounts: Accounts, leaseMs: number, log: Logger): Promise<void> {
  const { nodes, sessions, quota } = accounts.stores;
  for (const node of await nodes.releaseExpired(leaseMs)) {
    log.warn("node lease expired", { node, lease: leaseMs / 1000, by: nodes.self });
  }
  for (const node of await nodes.releasedWithLeftovers()) {
    const closed = await sessions.closeReleased(node);
    const left = await quota.releasedReservations(node);
    const charged = await settleLeftReservations(accounts, left);
    log.info("node released", { node, sessions: closed, reservations: left.length, charged });
  }
}
