/**
 * Connection limits shared by both protocols: whether a new connection may
 * become a session (sessions in all, sessions per client address). The
 * decision is protocol-neutral: the native session answers a refusal with
 * its status, the FTP front with its reply code (both in `errors.ts`).
 */

import type { ServerConfig } from "../config.ts";
import { type ErrorKind, OperationError } from "../errors.ts";
import type { SessionRegistry } from "../../store/mod.ts";

/** The limits {@linkcode admitConnection} applies. */
export type ConnectionLimits = Pick<ServerConfig, "maxSessions" | "maxSessionsPerAddress">;

/** Who is connecting. */
export interface Connecting {
  /** Client IP address. */
  address: string;
  port: number;
  /** `ftpx` or `ftp`, as recorded in the session registry. */
  protocol: string;
}

/** An admitted connection has a registry id; a refused one a kind and a message to send. */
export type Admission =
  | { admitted: true; id: number }
  | { admitted: false; kind: ErrorKind; message: string };

/**
 * Records the connection in the registry if the limits allow it; otherwise
 * says why not, in a message that tells the client what to do.
 */
export async function admitConnection(
  registry: SessionRegistry,
  connecting: Connecting,
  limits: ConnectionLimits,
): Promise<Admission> {
  let result: Awaited<ReturnType<SessionRegistry["openWithin"]>>;
  try {
    result = await registry.openWithin(
      connecting.address,
      connecting.port,
      connecting.protocol,
      {
        maxTotal: limits.maxSessions,
        maxPerAddress: limits.maxSessionsPerAddress,
      },
    );
  } catch (error) {
    // The session table is out of reach (a shared database down): say so, and come back later.
    if (error instanceof OperationError && error.kind === "unavailable") {
      return { admitted: false, kind: "unavailable", message: error.message };
    }
    throw error;
  }
  if ("id" in result) return { admitted: true, id: result.id };
  if (result.full === "total") {
    return {
      admitted: false,
      kind: "unavailable",
      message: `Server busy: ${limits.maxSessions} sessions open, the limit; try again later`,
    };
  }
  return {
    admitted: false,
    kind: "rate_limited",
    message: `Too many sessions from ${connecting.address}: ${limits.maxSessionsPerAddress} ` +
      `open, the limit; close some and try again`,
  };
}
