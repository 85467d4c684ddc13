/** The accounts table, printed alike by `ftpx users` on the host and `users` in an admin's shell. */

import type { UserInfo } from "../protocol/messages.ts";
import { formatSize } from "../protocol/size.ts";
import { formatDateTime, formatTable } from "./table.ts";

/** One row per account: name, admin, quota, used, last login, created, and state. */
export function formatUsersTable(users: readonly UserInfo[]): string {
  const rows = [["NAME", "ADMIN", "QUOTA", "USED", "LAST LOGIN", "CREATED", "STATE"]];
  for (const user of users) {
    rows.push([
      user.name,
      user.admin ? "yes" : "no",
      user.quota === 0 ? "unlimited" : formatSize(user.quota),
      formatSize(user.used) + (user.quota > 0 && user.used > user.quota ? " (over)" : ""),
      formatDateTime(user.lastLogin),
      formatDateTime(user.created),
      user.disabled ? "disabled" : "",
    ]);
  }
  return formatTable(rows);
}
