/**
 * The registry of native-protocol operations and the one `dispatch()` that
 * applies each operation's rules (hello first, login, admin, fields) before
 * calling its handler.
 */

import type { FrameHeader } from "../../../../protocol/frame.ts";
import { recheckSession } from "../../../core/auth/login.ts";
import { OperationError } from "../../../core/errors.ts";
import { disable, enable } from "./account_state.ts";
import { adduser } from "./adduser.ts";
import { deluser } from "./deluser.ts";
import { df } from "./df.ts";
import { hello } from "./hello.ts";
import { keyAdd, keyList, keyRm } from "./keys.ts";
import { ls } from "./list.ts";
import { login } from "./login.ts";
import { mkdir } from "./mkdir.ts";
import { cd, pwd } from "./navigate.ts";
import type { OpContext, Operation, Reply } from "./operation.ts";
import { passwd } from "./passwd.ts";
import { quit } from "./quit.ts";
import { register } from "./register.ts";
import { setpasswd } from "./setpasswd.ts";
import { setquota } from "./setquota.ts";
import { setrate } from "./setrate.ts";
import { stat } from "./stat.ts";
import { users } from "./users.ts";
import { validateArgs } from "./validate.ts";
import { who } from "./who.ts";
import { checksum } from "./checksum.ts";
import { get } from "./get.ts";
import { mv } from "./move.ts";
import { put, putCommit, putOffset } from "./put.ts";
import { rm, rmdir } from "./remove.ts";

/** Accounts and administration: registration, passwords, space, and the admin operations. */
const ACCOUNT_OPERATIONS = [
  register,
  passwd,
  df,
  adduser,
  deluser,
  setpasswd,
  setquota,
  setrate,
  users,
  who,
  disable,
  enable,
  keyAdd,
  keyList,
  keyRm,
];

/** Transfers and file management. */
const TRANSFER_OPERATIONS = [get, putOffset, put, putCommit, checksum, rm, rmdir, mv];

/** Every operation, by name. */
export const OPERATIONS: ReadonlyMap<string, Operation> = new Map(
  [hello, login, quit, pwd, cd, ls, mkdir, stat, ...ACCOUNT_OPERATIONS, ...TRANSFER_OPERATIONS].map(
    (op) => [op.name, op],
  ),
);

const ALLOWED_BEFORE_HELLO = new Set(["hello", "quit"]);

/** Finds the operation a request names. */
export function lookupOperation(request: FrameHeader): Operation {
  const name = request.op;
  if (name === undefined || name === null) {
    throw new OperationError("bad_request", 'Missing field "op"');
  }
  if (typeof name !== "string") {
    throw new OperationError("bad_request", 'Field "op" must be a string');
  }
  const operation = OPERATIONS.get(name);
  if (!operation) {
    // Quoted as JSON, so a control character in the name can't reach a terminal or a log raw.
    throw new OperationError(
      "unknown_operation",
      `Unknown operation ${JSON.stringify(name.slice(0, 64))}`,
    );
  }
  return operation;
}

/** Applies an operation's rules to a request, then runs its handler. */
export async function dispatch(ctx: OpContext, operation: Operation): Promise<Reply> {
  const { session } = ctx;
  if (!session.helloDone && !ALLOWED_BEFORE_HELLO.has(operation.name)) {
    throw new OperationError("bad_request", 'Send "hello" first');
  }
  if (session.account && operation.name !== "quit") {
    const ended = await recheckSession(ctx.services, session);
    if (ended) throw new OperationError("unauthenticated", ended);
  }
  if (operation.auth !== "none" && !session.account) {
    throw new OperationError("unauthenticated", "Log in first");
  }
  if (operation.auth === "admin" && !session.account?.admin) {
    throw new OperationError("forbidden", `Only administrators may use "${operation.name}"`);
  }
  return await operation.handler(ctx, validateArgs(operation, ctx.request) as never);
}
