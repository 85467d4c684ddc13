/** What the administrator operations share: the audit log line, and refusing to act on oneself. */

import { OperationError } from "../../../core/errors.ts";
import type { LogFields } from "../../../core/log.ts";
import { loggedIn, type OpContext } from "./operation.ts";

/** Logs an administrator's action: who did it, from where, what, and to whom. */
export function logAdminAction(
  ctx: OpContext,
  action: string,
  target: string,
  fields: LogFields = {},
): void {
  ctx.services.log.info("admin action", {
    by: loggedIn(ctx).account.name,
    peer: ctx.session.peer,
    action,
    target,
    ...fields,
  });
}

/** Refuses an action an administrator may not take on their own account over the wire. */
export function refuseOwnAccount(ctx: OpContext, target: string, what: string): void {
  if (loggedIn(ctx).account.name === target) {
    throw new OperationError(
      "forbidden",
      `You cannot ${what} your own account while logged in to it`,
    );
  }
}
