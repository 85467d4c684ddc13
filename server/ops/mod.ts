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

/** Every operation, by name. */
export const OPERATIONS: ReadonlyMap<string, Operation> = new Map(
  [hello, login, quit, pwd, cd, ls, mkdir, stat].map((op) => [op.name, op]),
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
