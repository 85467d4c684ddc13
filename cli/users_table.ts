/** The accounts table, printed alike by `ftpx users` on the host and `users` in an admin's shell. */

import type { UserInfo } from "../protocol/messages.ts";
import { formatSize } from "../protocol/size.ts";
import { formatDateTime, formatTable } from "./table.ts";

/** A rate limit as the tables show it: `1M/s`, or `default` (the server's `rate_down`/`rate_up`). */
export function formatRate(bytesPerSecond: number): string {
  return bytesPerSecond === 0 ? "default" : `${formatSize(bytesPerSecond)}/s`;
}

/** One row per account: name, admin, quota, used, rate limits, last login, created, and state. */
export function formatUsersTable(users: readonly UserInfo[]): string {
  const rows = [
    ["NAME", "ADMIN", "QUOTA", "USED", "DOWN", "UP", "LAST LOGIN", "CREATED", "STATE"],
  ];
  for (const user of users) {
    rows.push([
      user.name,
      user.admin ? "yes" : "no",
      user.quota === 0 ? "unlimited" : formatSize(user.quota),
      formatSize(user.used) + (user.quota > 0 && user.used > user.quota ? " (over)" : ""),
      formatRate(user.rateDown),
      formatRate(user.rateUp),
      formatDateTime(user.lastLogin),
      formatDateTime(user.created),
      user.disabled ? "disabled" : "",
    ]);
  }
  return formatTable(rows);
}
