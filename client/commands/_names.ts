/** Account names in shell commands: refused before any password is asked, as the server would. */

import { USERNAME_PATTERN } from "../../protocol/limits.ts";
import { type ShellContext, ShellUsageError } from "./command.ts";

/** Throws a usage error unless `name` is a valid account name. */
export function checkUserName(name: string): void {
  if (!USERNAME_PATTERN.test(name)) {
    throw new ShellUsageError(
      `Invalid user name "${
        name.slice(0, 40)
      }": use 1 to 32 of a-z 0-9 _ . - (not starting with . or -)`,
    );
  }
}

/**
 * Whether the server has an account `name` (an admin's `users` listing),
 * asked before a password prompt so a typo costs no typing. The server
 * checks again when the command runs.
 */
export async function accountExists(ctx: ShellContext, name: string): Promise<boolean> {
  const { users } = await ctx.connection.call("users");
  return Array.isArray(users) && users.some((user) => user?.name === name);
}
