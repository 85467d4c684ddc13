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
  /** Whether `register` (self-registration) is open on this server. */
  register?: boolean;
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

/** `register`: create one's own account (when the server allows it); allowed before login. */
export interface RegisterRequest extends Request {
  op: "register";
  user: string;
  password: string;
}

/** Reply to `register` (status 201) and `adduser`. */
export interface AccountCreatedResponse extends Response {
  user: string;
  /** Quota in bytes; 0 means unlimited. */
  quota: number;
}

/** `passwd`: change one's own password; the current one is required. */
export interface PasswdRequest extends Request {
  op: "passwd";
  current: string;
  password: string;
}

/** Reply to `df`: one's own used space and limit. */
export interface DfResponse extends Response {
  /** Bytes used by the home, partial uploads included. */
  used: number;
  /** Quota in bytes; 0 means unlimited. */
  quota: number;
}

/** One account as `users` describes it (also the shape of `ftpx users --json`). */
export interface UserInfo {
  name: string;
  admin: boolean;
  /** A disabled account can't log in; its data stays. */
  disabled: boolean;
  /** Quota in bytes; 0 means unlimited. */
  quota: number;
  /** Bytes used, as tracked by the server. */
  used: number;
  /** Download and upload rate limits, bytes per second; 0 = the server's default. */
  rateDown: number;
  rateUp: number;
  /** Last successful login (ISO 8601), or null if never. */
  lastLogin: string | null;
  /** Creation time (ISO 8601). */
  created: string;
}

/** Reply to `users`: every account, by name. */
export interface UsersResponse extends Response {
  users: UserInfo[];
}

/** One live session as `who` describes it. */
export interface SessionInfo {
  /** Logged-in user, or null before login. */
  user: string | null;
  /** Client IP address. */
  address: string;
  port: number;
  /** `ftpx` (native) or `ftp`. */
  protocol: string;
  /**
   * The server node serving the session (its `node_id`): with several nodes
   * on one database, `who` lists every node's sessions. Absent from servers
   * before it was added.
   */
  node?: string;
  /** Connection time (ISO 8601). */
  since: string;
  /** What the session is doing (e.g. a transfer), or null when idle. */
  activity: string | null;
}

/** Reply to `who`: live sessions of every server thread and node, oldest first. */
export interface WhoResponse extends Response {
  sessions: SessionInfo[];
}

/**
 * What identifies one version of a file, so a client can tell whether a
 * transfer it started is still resumable: size, modification time and a
 * content tag (opaque; changes when the file is replaced or rewritten).
 */
export interface FileIdentity {
  /** Size in bytes. */
  size: number;
  /** Modification time, milliseconds since the Unix epoch. */
  mtime: number;
  /** Opaque tag; equal tags mean the same file version. */
  tag: string;
}

/** `get`: read bytes `[offset, offset + length)` of a file; the reply carries them as its body. */
export interface GetRequest extends Request {
  op: "get";
  path: string;
  /** First byte to send; default 0. */
  offset?: number;
  /** Bytes to send; default: to the end of the file. */
  length?: number;
  /** Only send if the file's tag is still this one (resume); else status 412. */
  tag?: string;
}

/** Reply to `get`, followed by `body` bytes of the file. */
export interface GetResponse extends Response, FileIdentity {
  path: string;
  offset: number;
  /** Number of file bytes that follow. */
  body: number;
  /** sha256 of the whole file when the server already knows it. */
  sha256?: string;
}

/** `put_offset`: how much of an upload the server already holds, and whether it would fit. */
export interface PutOffsetRequest extends Request {
  op: "put_offset";
  path: string;
  /** Full size of the file to upload. */
  size: number;
  /** The client's identity of its local file (e.g. `size:mtime`); a partial of another source is not resumed. */
  source?: string;
}

/** Reply to `put_offset`. */
export interface PutOffsetResponse extends Response {
  path: string;
  /** Where `put` should start: the length of a matching partial upload, or 0. */
  offset: number;
  /** When resuming: what the partial holds (its length, and the file it is part of). */
  partial?: { length: number; size: number; source: string | null };
}

/** `put`: send bytes `[offset, size)` of a file as the body; the server holds them until `put_commit`. */
export interface PutRequest extends Request {
  op: "put";
  path: string;
  size: number;
  offset?: number;
  source?: string;
  /** When known up front, commits at once if the server's sha256 matches. */
  sha256?: string;
  body: number;
}

/** Reply to `put`: what the server received. */
export interface PutResponse extends Response {
  path: string;
  /** Bytes the partial file now holds. */
  received: number;
  /** sha256 of the whole partial file. */
  sha256: string;
  /** True when the upload was committed (the request carried a matching `sha256`). */
  committed: boolean;
}

/** `put_commit`: rename the received upload to its name if its sha256 matches. */
export interface PutCommitRequest extends Request {
  op: "put_commit";
  path: string;
  sha256: string;
  /** Modification time the file keeps, ms since the epoch (ftpx sends the local file's). */
  mtime?: number;
}

/** Reply to `checksum`: the sha256 of a whole file, with its identity. */
export interface ChecksumResponse extends Response, FileIdentity {
  path: string;
  sha256: string;
}

/** `rm`: remove a file (or symlink). */
export interface RemoveRequest extends Request {
  op: "rm";
  path: string;
}

/** `rmdir`: remove a directory; `recursive` removes its contents too. */
export interface RemoveDirRequest extends Request {
  op: "rmdir";
  path: string;
  recursive?: boolean;
}

/** Reply to `rm` and `rmdir`. */
export interface RemoveResponse extends Response {
  path: string;
  /** Bytes of file content freed. */
  freed: number;
}

/** `mv`: rename or move; into `to` when it is an existing directory. */
export interface MoveRequest extends Request {
  op: "mv";
  from: string;
  to: string;
}

/** Reply to `mv`. */
export interface MoveResponse extends Response {
  from: string;
  /** Where the entry now is. */
  to: string;
}
