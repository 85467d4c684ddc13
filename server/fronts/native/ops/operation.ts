/**
 * What an operation of the native protocol is: a name, who may call it, the
 * fields it takes, and a handler. {@linkcode defineOperation} gives handlers
 * typed arguments; `dispatch()` in `mod.ts` validates before any handler runs,
 * so handlers never repeat checks.
 */

import type { ByteSink } from "../../../../protocol/frame_writer.ts";
import type { FrameHeader } from "../../../../protocol/frame.ts";
import type { FrameReader } from "../../../../protocol/frame_reader.ts";
import type { Account } from "../../../core/accounts.ts";
import { signedIn, type UserSession } from "../../../core/session.ts";
import type { Services } from "../../../core/services.ts";
import type { Upload } from "../../../core/transfer/mod.ts";

/** Who may call an operation: anyone, a logged-in user, or an administrator. */
export type AuthLevel = "none" | "user" | "admin";

type FieldType = "string" | "path" | "int" | "boolean";

/** Field specs: a type name, with `?` for optional fields. */
export type ArgSpec = Record<string, FieldType | `${FieldType}?`>;

type ValueOf<T> = T extends "int" | "int?" ? number
  : T extends "boolean" | "boolean?" ? boolean
  : string;

/** The typed arguments a handler receives for a spec. */
export type ArgsOf<S extends ArgSpec> =
  & { [K in keyof S as S[K] extends `${string}?` ? never : K]: ValueOf<S[K]> }
  & { [K in keyof S as S[K] extends `${string}?` ? K : never]?: ValueOf<S[K]> };

/** The part of a session operations see and change: the front-neutral session, plus these. */
export interface SessionState extends UserSession {
  /** True when the connection is TLS. */
  readonly secure: boolean;
  /** Set by `hello`. */
  helloDone: boolean;
  /** An upload received by `put` and waiting for `put_commit`; aborted when the session ends. */
  upload: Upload | undefined;
}

/** Everything a handler may use. */
export interface OpContext {
  session: SessionState;
  services: Services;
  /** The raw request header (for operations reading extra fields). */
  request: FrameHeader;
  /** Reads a request body, for operations that take one. */
  reader: FrameReader;
  /** Writes to the client, for operations that stream a body after their reply header. */
  sink: ByteSink;
  /**
   * Sends the reply header now, for operations that stream a body after it
   * (`get`); what the handler returns afterwards is not sent. If the handler
   * fails after this, the connection is closed (the client can't be told in band).
   */
  sendReply(reply: Reply): Promise<void>;
}

/** A successful reply: extra fields are sent beside `status` and `message`. */
export interface Reply {
  status?: number;
  message?: string;
  [field: string]: unknown;
}

/** A registered operation. */
export interface Operation<S extends ArgSpec = ArgSpec> {
  name: string;
  /** One line for `help` and the protocol docs. */
  summary: string;
  auth: AuthLevel;
  args: S;
  /** True when the request may carry a body, which the handler consumes. */
  body?: boolean;
  handler(ctx: OpContext, args: ArgsOf<S>): Promise<Reply>;
}

/** Declares an operation with handler arguments typed from its spec. */
export function defineOperation<S extends ArgSpec>(operation: Operation<S>): Operation {
  return operation as unknown as Operation;
}

/** The account a handler runs for, once logged in (`auth: "user"` or `"admin"`). */
export function loggedIn(ctx: OpContext): { account: Account } {
  return { account: signedIn(ctx.session).account };
}
