/**
 * The one place errors become replies. Handlers throw {@linkcode OperationError}
 * (or let a file system error escape through the jail, which converts it); the
 * session catches once and answers with the status, FTP reply code and safe
 * message from {@linkcode ERROR_TABLE}. Raw OS text never reaches a client.
 */

import { Status, type StatusCode } from "../../protocol/status.ts";

/** SFTP v3 status codes (SSH_FX_*, draft-ietf-secsh-filexfer-02 section 7). */
export const SSH_FX = {
  OK: 0,
  EOF: 1,
  NO_SUCH_FILE: 2,
  PERMISSION_DENIED: 3,
  FAILURE: 4,
  BAD_MESSAGE: 5,
  NO_CONNECTION: 6,
  CONNECTION_LOST: 7,
  OP_UNSUPPORTED: 8,
} as const;

/** An SFTP v3 status code. */
export type SftpStatusCode = typeof SSH_FX[keyof typeof SSH_FX];

const FX = SSH_FX;

/**
 * How each kind of failure is reported: native status, FTP reply code, HTTP
 * status and SFTP status. SFTP v3 has only nine codes (no quota, no
 * "exists"): the message beside the code says what happened, as OpenSSH's
 * sftp-server does.
 */
export const ERROR_TABLE = {
  bad_request: { status: Status.BAD_REQUEST, ftp: 501, http: 400, sftp: FX.BAD_MESSAGE },
  unauthenticated: {
    status: Status.UNAUTHENTICATED,
    ftp: 530,
    http: 401,
    sftp: FX.PERMISSION_DENIED,
  },
  forbidden: { status: Status.FORBIDDEN, ftp: 550, http: 403, sftp: FX.PERMISSION_DENIED },
  account_disabled: { status: Status.FORBIDDEN, ftp: 530, http: 403, sftp: FX.PERMISSION_DENIED },
  not_found: { status: Status.NOT_FOUND, ftp: 550, http: 404, sftp: FX.NO_SUCH_FILE },
  unknown_operation: {
    status: Status.UNKNOWN_OPERATION,
    ftp: 502,
    http: 405,
    sftp: FX.OP_UNSUPPORTED,
  },
  timeout: { status: Status.TIMEOUT, ftp: 421, http: 408, sftp: FX.FAILURE },
  exists: { status: Status.CONFLICT, ftp: 550, http: 409, sftp: FX.FAILURE },
  // OpenSSH's sftp-server answers ENOTDIR with "no such file" too.
  not_a_directory: { status: Status.CONFLICT, ftp: 550, http: 409, sftp: FX.NO_SUCH_FILE },
  is_a_directory: { status: Status.CONFLICT, ftp: 550, http: 409, sftp: FX.FAILURE },
  not_empty: { status: Status.CONFLICT, ftp: 550, http: 409, sftp: FX.FAILURE },
  changed: { status: Status.CHANGED, ftp: 450, http: 412, sftp: FX.FAILURE },
  too_large: { status: Status.TOO_LARGE, ftp: 501, http: 413, sftp: FX.FAILURE },
  version_mismatch: {
    status: Status.VERSION_MISMATCH,
    ftp: 421,
    http: 400,
    sftp: FX.OP_UNSUPPORTED,
  },
  rate_limited: { status: Status.RATE_LIMITED, ftp: 421, http: 429, sftp: FX.FAILURE },
  quota_exceeded: { status: Status.QUOTA_EXCEEDED, ftp: 552, http: 507, sftp: FX.FAILURE },
  internal: { status: Status.INTERNAL, ftp: 451, http: 500, sftp: FX.FAILURE },
  unavailable: { status: Status.UNAVAILABLE, ftp: 421, http: 503, sftp: FX.FAILURE },
  disk_full: { status: Status.INSUFFICIENT_STORAGE, ftp: 452, http: 507, sftp: FX.FAILURE },
  checksum_mismatch: { status: Status.CHANGED, ftp: 550, http: 409, sftp: FX.FAILURE },
} as const satisfies Record<
  string,
  { status: StatusCode; ftp: number; http: number; sftp: SftpStatusCode }
>;

/** A kind of failure from {@linkcode ERROR_TABLE}. */
export type ErrorKind = keyof typeof ERROR_TABLE;

/** A request failed for a reason the client is told about. The message is safe to send. */
export class OperationError extends Error {
  /** What went wrong, selecting status and FTP code. */
  readonly kind: ErrorKind;

  /** Creates an error whose message will be sent to the client as is. */
  constructor(kind: ErrorKind, message: string) {
    super(message);
    this.name = "OperationError";
    this.kind = kind;
  }
}

/** What the session sends for a failed request. */
export interface ErrorReply {
  kind: ErrorKind;
  status: number;
  ftp: number;
  http: number;
  sftp: SftpStatusCode;
  message: string;
  /** True when the failure is ours, not the client's: log it with its detail. */
  internal: boolean;
}

/** Maps any thrown value to a reply; unknown errors become a generic 500 with no detail. */
export function toErrorReply(error: unknown): ErrorReply {
  const kind: ErrorKind = error instanceof OperationError ? error.kind : "internal";
  const message = error instanceof OperationError ? error.message : "Internal server error";
  return { kind, ...ERROR_TABLE[kind], message, internal: kind === "internal" };
}

/** OS error codes Deno reports without a dedicated class. */
const ERRNO_KINDS: Record<string, [ErrorKind, string]> = {
  ENOTEMPTY: ["not_empty", "directory not empty"],
  ENOSPC: ["disk_full", "no space left on the server"],
  EDQUOT: ["disk_full", "no space left on the server"],
  ENAMETOOLONG: ["too_large", "name too long"],
  EXDEV: ["forbidden", "cannot move across file systems"],
  EINVAL: ["bad_request", "invalid operation"],
};

/**
 * Converts a file system error into an {@linkcode OperationError} that names
 * the virtual path, e.g. `Cannot open "/docs/a.txt": not found`.
 */
export function fromFsError(error: unknown, action: string, virtualPath: string): OperationError {
  if (error instanceof OperationError) return error;
  const [kind, reason] = classifyFsError(error);
  return new OperationError(kind, `Cannot ${action} "${virtualPath}": ${reason}`);
}

function classifyFsError(error: unknown): [ErrorKind, string] {
  if (error instanceof Deno.errors.NotFound) return ["not_found", "not found"];
  if (error instanceof Deno.errors.AlreadyExists) return ["exists", "already exists"];
  if (error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotCapable) {
    return ["forbidden", "permission denied"];
  }
  if (error instanceof Deno.errors.NotADirectory) return ["not_a_directory", "not a directory"];
  if (error instanceof Deno.errors.IsADirectory) return ["is_a_directory", "is a directory"];
  if (error instanceof Deno.errors.FilesystemLoop) return ["forbidden", "too many symlinks"];
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code in ERRNO_KINDS) return ERRNO_KINDS[code]!;
  return ["internal", "internal error"];
}
