/** The quota rule every ledger backend applies, and its refusal. */

import { formatSize } from "../../protocol/size.ts";
import { OperationError } from "../core/errors.ts";
import type { Usage } from "./mod.ts";

/** Throws `quota_exceeded` unless `bytes` more fit in `usage` (quota 0 = unlimited). */
export function requireRoom(usage: Usage, bytes: number, what: string): void {
  if (usage.quota === 0 || usage.used + usage.reserved + bytes <= usage.quota) return;
  const inFlight = usage.reserved > 0
    ? ` (+${formatSize(usage.reserved)} held by uploads in progress)`
    : "";
  throw new OperationError(
    "quota_exceeded",
    `Cannot upload ${what}: quota exceeded, ${formatSize(usage.used)} used${inFlight} of ${
      formatSize(usage.quota)
    } allowed`,
  );
}
