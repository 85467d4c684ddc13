/**
 * Node leases in SQLite: one data dir has one node (its server threads share
 * the database file), so there is nobody to release. Its lease is always
 * held; nothing ever expires.
 */

import type { NodeLease, NodeRegistry } from "../mod.ts";

/** The one node of an SQLite data dir. */
export class SqliteNodeRegistry implements NodeRegistry {
  readonly self: string;
  readonly shared = false;

  /** This node's name (shown by `who`). */
  constructor(node: string) {
    this.self = node;
  }

  join(): Promise<void> {
    return Promise.resolve();
  }

  heartbeat(): Promise<boolean> {
    return Promise.resolve(true);
  }

  releaseExpired(_leaseMs: number): Promise<string[]> {
    return Promise.resolve([]);
  }

  releasedWithLeftovers(): Promise<string[]> {
    return Promise.resolve([]);
  }

  list(): Promise<NodeLease[]> {
    return Promise.resolve([{ node: this.self, age: 0, released: false }]);
  }
}
