/**
 * Numeric statuses carried by every response. 2xx: success; 4xx: the
 * client's fault (bad request, not found, denied, quota); 5xx: the server's.
 *
 * @module
 */

/** The status table; names are stable, numbers are what travels on the wire. */
export const Status = {
  OK: 200,
  CREATED: 201,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  UNKNOWN_OPERATION: 405,
  TIMEOUT: 408,
  CONFLICT: 409,
  CHANGED: 412,
  TOO_LARGE: 413,
  VERSION_MISMATCH: 426,
  RATE_LIMITED: 429,
  QUOTA_EXCEEDED: 452,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  INSUFFICIENT_STORAGE: 507,
} as const;

/** One of the numbers in {@linkcode Status}. */
export type StatusCode = typeof Status[keyof typeof Status];

/**
 * Tells whether a status means success.
 *
 * @param status The status of a response.
 * @returns `true` for 2xx statuses.
 *
 * @example Usage
 * ```ts
 * import { isOk, Status } from "./status.ts";
 * if (!isOk(Status.OK) || isOk(Status.NOT_FOUND)) throw new Error("wrong");
 * ```
 */
export function isOk(status: number): boolean {
  return status >= 200 && status < 300;
}

/**
 * The name of a status, for logs and error messages.
 *
 * @param status A status number.
 * @returns Its name from {@linkcode Status}, or `"UNKNOWN"`.
 *
 * @example Usage
 * ```ts
 * import { statusName } from "./status.ts";
 * if (statusName(404) !== "NOT_FOUND") throw new Error("wrong");
 * ```
 */
export function statusName(status: number): string {
  for (const [name, value] of Object.entries(Status)) {
    if (value === status) return name;
  }
  return "UNKNOWN";
}
