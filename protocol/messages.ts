/**
 * The shapes of requests and responses. Every request header has `op` and
 * may carry an `id`, echoed in its response. Every response header has
 * `status` (see `status.ts`) and a human `message`. `docs/protocol.md`
 * describes each operation in prose.
 *
 * @module
 */

/** Fields common to every request. */
export interface Request {
  /** Operation name, e.g. `"ls"`. */
  op: string;
  /** Optional correlation id, echoed in the response. */
  id?: number;
}

/** Fields common to every response. */
export interface Response {
  /** The request's `id`, if it had one. */
  id?: number;
  /** Outcome; 2xx success, 4xx client's fault, 5xx server's. */
  status: number;
  /** One human-readable line. */
  message: string;
}

/** What a directory entry is. */
export type EntryType = "file" | "dir" | "link" | "other";

/** One file or directory as the server describes it. */
export interface Entry {
  /** Base name (for `stat`, the virtual path's last name; `/` for the home). */
  name: string;
  /** Kind of entry; symlinks inside the home are reported as what they point to. */
  type: EntryType;
  /** Size in bytes (0 for directories). */
  size: number;
  /** Modification time, milliseconds since the Unix epoch. */
  mtime: number;
}

/** `hello`: the first request on a connection. */
export interface HelloRequest extends Request {
  op: "hello";
  /** Protocol version the client speaks. */
  version: number;
  /** Free-form client name and version, for logs. */
  client?: string;
}

/** Reply to `hello`. */
export interface HelloResponse extends Response {
  /** Protocol version the server speaks. */
  version: number;
  /** Server name and version. */
  server: string;
}

/** `login`: authenticate; allowed once per connection. */
export interface LoginRequest extends Request {
  op: "login";
  user: string;
  password: string;
}

/** Reply to a successful `login`. */
export interface LoginResponse extends Response {
  user: string;
  admin: boolean;
  /** Current directory, always `/` (the home) right after login. */
  cwd: string;
}

/** Reply to `pwd` and `cd`. */
export interface CwdResponse extends Response {
  cwd: string;
}

/** `cd`: change directory; no path means the home. */
export interface CdRequest extends Request {
  op: "cd";
  path?: string;
}

/** `ls`: list a directory (default: the current one). */
export interface ListRequest extends Request {
  op: "ls";
  path?: string;
}

/** Reply to `ls`: entries sorted by name. */
export interface ListResponse extends Response {
  /** Virtual path of the listed directory. */
  path: string;
  entries: Entry[];
}

/** `mkdir`: create a directory; `parents` creates missing parents and accepts an existing one. */
export interface MkdirRequest extends Request {
  op: "mkdir";
  path: string;
  parents?: boolean;
}

/** `stat`: describe one path. */
export interface StatRequest extends Request {
  op: "stat";
  path: string;
}

/** Reply to `stat` and `mkdir`. */
export interface EntryResponse extends Response {
  /** Virtual path of the entry. */
  path: string;
  entry: Entry;
}
