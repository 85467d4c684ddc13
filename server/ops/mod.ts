/**
 * The registry of native-protocol operations and the one `dispatch()` that
 * applies each operation's rules (hello first, login, admin, fields) before
 * calling its handler.
 */

import type { FrameHeader } from "../../protocol/frame.ts";
import { OperationError } from "../errors.ts";
import { hello } from "./hello.ts";
import { ls } from "./list.ts";
import { login } from "./login.ts";
import { mkdir } from "./mkdir.ts";
import { cd, pwd } from "./navigate.ts";
import type { OpContext, Operation, Reply } from "./operation.ts";
import { quit } from "./quit.ts";
import { stat } from "./stat.ts";
import { validateArgs } from "./validate.ts";
import { checksum } from "./checksum.ts";
import { get } from "./get.ts";
import { mv } from "./move.ts";
import { put, putCommit, putOffset } from "./put.ts";
import { rm, rmdir } from "./remove.ts";

/** Every operation, by name. */
export const OPERATIONS: ReadonlyMap<string, Operation> = new Map(
  [
    hello,
    login,
    quit,
    pwd,
    cd,
    ls,
    mkdir,
    stat,
    get,
    putOffset,
    put,
    putCommit,
    checksum,
    rm,
    rmdir,
    mv,
  ].map((op) => [op.name, op]),
);

const ALLOWED_BEFORE_HELLO = new Set(["hello", "quit"]);

/** Finds the operation a request names. */
export function lookupOperation(request: FrameHeader): Operation {
  const name = request.op;
  if (typeof name !== "string") throw new OperationError("bad_request", 'Missing field "op"');
  const operation = OPERATIONS.get(name);
  if (!operation) {
    throw new OperationError("unknown_operation", `Unknown operation "${name.slice(0, 64)}"`);
  }
  return operation;
}

/** Applies an operation's rules to a request, then runs its handler. */
export function dispatch(ctx: OpContext, operation: Operation): Promise<Reply> {
  const { session } = ctx;
  if (!session.helloDone && !ALLOWED_BEFORE_HELLO.has(operation.name)) {
    throw new OperationError("bad_request", 'Send "hello" first');
  }
  if (operation.auth !== "none" && !session.account) {
    throw new OperationError("unauthenticated", "Log in first");
  }
  if (operation.auth === "admin" && !session.account?.admin) {
    throw new OperationError("forbidden", `Only administrators may use "${operation.name}"`);
  }
  return operation.handler(ctx, validateArgs(operation, ctx.request) as never);
}
