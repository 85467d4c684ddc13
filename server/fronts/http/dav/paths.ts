/**
 * WebDAV URLs to virtual paths and back. Each segment is percent-decoded
 * once; a segment that decodes to a `/` or a NUL (`%2f`, `%00`), or that is
 * not valid UTF-8, is refused rather than reinterpreted. What remains is a
 * path the home's jail normalizes and checks like any other client path.
 */

import { OperationError } from "../../../core/errors.ts";

/** Where WebDAV is mounted. */
export const DAV_ROOT = "/dav";

/** The virtual path a `/dav/...` URL path names. */
export function davPath(pathname: string): string {
  if (pathname !== DAV_ROOT && !pathname.startsWith(`${DAV_ROOT}/`)) {
    throw new OperationError("not_found", "Not a WebDAV path");
  }
  const segments = pathname.slice(DAV_ROOT.length).split("/").filter((part) => part !== "");
  const decoded = segments.map((segment) => {
    let name: string;
    try {
      name = decodeURIComponent(segment);
    } catch {
      throw new OperationError("bad_request", "Malformed percent-encoding in the path");
    }
    if (name.includes("/") || name.includes("\0")) {
      throw new OperationError("bad_request", "Path segment with an encoded / or NUL refused");
    }
    return name;
  });
  return `/${decoded.join("/")}`;
}

/** The `/dav/...` URL of a virtual path (collections end with `/`). */
export function hrefOf(path: string, collection: boolean): string {
  const segments = path.split("/").filter((part) => part !== "").map(encodeURIComponent);
  if (segments.length === 0) return `${DAV_ROOT}/`;
  return `${DAV_ROOT}/${segments.join("/")}${collection ? "/" : ""}`;
}
