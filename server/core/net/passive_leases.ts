/**
 * Passive FTP ports held, counted across every server thread, so one user
 * or one client address cannot take the whole passive range (101 sessions
 * of one account once held all 101 ports and everyone else got 425).
 *
 * The table lives in a `SharedArrayBuffer` the main thread creates and
 * hands to each server thread: a PASV is a hot, short path, and the count
 * and the claim must be one step across threads, which a database round
 * trip per PASV would make slow and a per-thread count would make wrong
 * (each thread would allow the cap). A tiny spinlock guards the table; the
 * critical section scans at most the slots ever used, then writes one.
 *
 * Each slot records who holds a port: the user id and the client address
 * (IPv4 exactly; IPv6 as a 32-bit hash of its text, so two IPv6 addresses
 * may, rarely, share one count: never more ports than the cap, at worst a
 * refusal too early).
 */

/** Slots in the table: ports held at once by all sessions, beyond which PASV gets 425. */
export const PASSIVE_LEASE_SLOTS = 65_536;

/** Int32 fields per slot: state (0 free, 1 held), user id, address family, address key. */
const SLOT_FIELDS = 4;
/** Header: the lock, then the number of slots ever used (the scan's end). */
const HEADER_FIELDS = 2;
const LOCK = 0;
const HIGH_WATER = 1;

/** Who holds a passive port. */
export interface LeaseOwner {
  userId: number;
  /** The client's address, as `plainAddress()` gives it. */
  address: string;
}

/** The caps to enforce. */
export interface LeaseLimits {
  perUser: number;
  perAddress: number;
}

/** A held passive port; {@linkcode PassiveLease.release} gives it back (idempotent). */
export interface PassiveLease {
  release(): void;
}

/** Why no lease was given: the cap reached, with the count held. */
export interface LeaseRefusal {
  full: "user" | "address" | "table";
  count: number;
}

/** The shared table of passive ports held. */
export class PassiveLeases {
  readonly #view: Int32Array;
  readonly #slots: number;

  /** Uses a buffer made by {@linkcode PassiveLeases.createBuffer} (shared with other threads). */
  constructor(buffer: SharedArrayBuffer) {
    this.#view = new Int32Array(buffer);
    this.#slots = Math.floor((this.#view.length - HEADER_FIELDS) / SLOT_FIELDS);
  }

  /** A zeroed table for `slots` leases, to post to every server thread. */
  static createBuffer(slots: number = PASSIVE_LEASE_SLOTS): SharedArrayBuffer {
    return new SharedArrayBuffer((HEADER_FIELDS + slots * SLOT_FIELDS) * 4);
  }

  /** Takes a lease for `owner` unless that would exceed a cap. */
  acquire(owner: LeaseOwner, limits: LeaseLimits): PassiveLease | LeaseRefusal {
    const [family, key] = addressKey(owner.address);
    const view = this.#view;
    this.#lock();
    try {
      const end = Atomics.load(view, HIGH_WATER);
      let byUser = 0;
      let byAddress = 0;
      let free = -1;
      for (let slot = 0; slot < end; slot++) {
        const base = HEADER_FIELDS + slot * SLOT_FIELDS;
        if (Atomics.load(view, base) === 0) {
          if (free < 0) free = slot;
          continue;
        }
        if (Atomics.load(view, base + 1) === owner.userId) byUser++;
        if (Atomics.load(view, base + 2) === family && Atomics.load(view, base + 3) === key) {
          byAddress++;
        }
      }
      if (byUser >= limits.perUser) return { full: "user", count: byUser };
      if (byAddress >= limits.perAddress) return { full: "address", count: byAddress };
      if (free < 0) {
        if (end >= this.#slots) return { full: "table", count: end };
        free = end;
        Atomics.store(view, HIGH_WATER, end + 1);
      }
      const base = HEADER_FIELDS + free * SLOT_FIELDS;
      Atomics.store(view, base + 1, owner.userId);
      Atomics.store(view, base + 2, family);
      Atomics.store(view, base + 3, key);
      Atomics.store(view, base, 1);
      let released = false;
      return {
        release: () => {
          if (released) return;
          released = true;
          this.#lock();
          try {
            Atomics.store(view, base, 0);
          } finally {
            this.#unlock();
          }
        },
      };
    } finally {
      this.#unlock();
    }
  }

  /** Leases held now by `userId` (for tests and logs). */
  heldBy(userId: number): number {
    const end = Atomics.load(this.#view, HIGH_WATER);
    let count = 0;
    for (let slot = 0; slot < end; slot++) {
      const base = HEADER_FIELDS + slot * SLOT_FIELDS;
      if (Atomics.load(this.#view, base) === 1 && this.#view[base + 1] === userId) count++;
    }
    return count;
  }

  #lock(): void {
    while (Atomics.compareExchange(this.#view, LOCK, 0, 1) !== 0) {
      // Held by another thread for a few microseconds: sleep until it is let go (1 ms at most).
      Atomics.wait(this.#view, LOCK, 1, 1);
    }
  }

  #unlock(): void {
    Atomics.store(this.#view, LOCK, 0);
    Atomics.notify(this.#view, LOCK, 1);
  }
}

/** True for a refusal, false for a lease. */
export function isLeaseRefusal(result: PassiveLease | LeaseRefusal): result is LeaseRefusal {
  return "full" in result;
}

/** `[family, key]`: 4 and the address as a 32-bit number for IPv4, 6 and a hash for IPv6. */
function addressKey(address: string): [number, number] {
  const parts = address.split(".");
  if (parts.length === 4 && parts.every((part) => /^\d{1,3}$/.test(part))) {
    return [4, parts.reduce((value, part) => ((value << 8) | Number(part)) | 0, 0)];
  }
  let hash = 0x811c9dc5; // FNV-1a
  for (let index = 0; index < address.length; index++) {
    hash = Math.imul(hash ^ address.charCodeAt(index), 0x01000193);
  }
  return [6, hash | 0];
}
