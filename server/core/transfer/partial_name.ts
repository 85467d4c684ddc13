/** Where an upload's bytes wait: one partial file name per target path, so resumes find it. */

import { createHash } from "node:crypto";

/** The partial file name for an upload to `virtualPath`. */
export function partialName(virtualPath: string): string {
  return createHash("sha256").update(virtualPath).digest("hex").slice(0, 32);
}
