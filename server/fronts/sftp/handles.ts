/**
 * The handles of one SFTP session: files open for reading (one ranged
 * {@linkcode Download} each, read at any position), files open for writing
 * (an {@linkcode UploadHandle}), and directory listings being read. Their
 * number is capped: each holds a file descriptor or a listing.
 */

import { OperationError } from "../../core/errors.ts";
import { SFTP_MAX_OPEN_HANDLES } from "../../core/limits.ts";
import type { Download, TransferRecord } from "../../core/transfer/mod.ts";
import type { Listing } from "../../storage/listing.ts";
import type { UploadHandle } from "./upload_handle.ts";

/** A file open for reading. */
export interface ReadHandle {
  kind: "read";
  path: string;
  download: Download;
  record: TransferRecord;
  /** Bytes sent so far (all READs together). */
  sent: number;
}

/** A file open for writing. */
export interface WriteHandle {
  kind: "write";
  path: string;
  upload: UploadHandle;
}

/** A directory listing, handed out in batches by READDIR (closed with the handle or at its end). */
export interface DirHandle {
  kind: "dir";
  path: string;
  listing: Listing;
  /** Index of the next entry to send. */
  next: number;
}

/** Any handle. */
export type Handle = ReadHandle | WriteHandle | DirHandle;

/** The handles of one session, by their opaque id. */
export class HandleTable {
  readonly #handles = new Map<string, Handle>();
  readonly #max: number;
  #counter = 0;

  /** At most `max` handles at once. */
  constructor(max: number = SFTP_MAX_OPEN_HANDLES) {
    this.#max = max;
  }

  get size(): number {
    return this.#handles.size;
  }

  /** Throws unless one more handle may be opened (checked before the file is opened). */
  requireRoom(): void {
    if (this.#handles.size >= this.#max) {
      throw new OperationError(
        "rate_limited",
        `Too many open handles: ${this.#max}, the limit; close some first`,
      );
    }
  }

  /** Stores `handle`; returns its id. */
  add(handle: Handle): string {
    this.requireRoom();
    const id = String(++this.#counter);
    this.#handles.set(id, handle);
    return id;
  }

  /** The handle `id` names, of the kind asked; else a `bad_request` naming the problem. */
  get<K extends Handle["kind"]>(id: string, kind?: K): Extract<Handle, { kind: K }> {
    const handle = this.#handles.get(id);
    if (!handle) {
      throw new OperationError("bad_request", "No such handle (closed, or never opened)");
    }
    if (kind !== undefined && handle.kind !== kind) {
      throw new OperationError("bad_request", describeMismatch(handle, kind));
    }
    return handle as Extract<Handle, { kind: K }>;
  }

  /** Forgets `id` and returns its handle (the caller ends it). */
  take(id: string): Handle {
    const handle = this.get(id);
    this.#handles.delete(id);
    return handle;
  }

  /** Forgets every handle and returns them (the session is ending). */
  takeAll(): Handle[] {
    const all = [...this.#handles.values()];
    this.#handles.clear();
    return all;
  }
}

function describeMismatch(handle: Handle, wanted: Handle["kind"]): string {
  const what = {
    read: "a file open for reading",
    write: "a file open for writing",
    dir: "a directory",
  };
  return `Handle is ${what[handle.kind]}, not ${what[wanted]}`;
}
