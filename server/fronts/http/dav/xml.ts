/** The XML WebDAV answers with: a 207 multistatus of each resource's properties. */

/** What PROPFIND reports of one resource. */
export interface PropEntry {
  href: string;
  /** Null: an empty 200 propstat (PROPPATCH's answer). */
  props: {
    name: string;
    collection: boolean;
    size: number;
    mtime: number;
    etag: string | null;
    /** On collections: bytes used, and left (null when unlimited). */
    quota: { used: number; available: number | null } | null;
  } | null;
}

/** Escapes text for XML content. */
export function escapeXml(value: string): string {
  return value.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The start of a `D:multistatus` document: then a {@linkcode propResponse} per entry, then the end. */
export const MULTISTATUS_START =
  '<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus xmlns:D="DAV:">';
/** The end of a `D:multistatus` document. */
export const MULTISTATUS_END = "</D:multistatus>\n";

/** A `D:multistatus` document for `entries`. */
export function multistatus(entries: PropEntry[]): string {
  return MULTISTATUS_START + entries.map(propResponse).join("") + MULTISTATUS_END;
}

/** One resource's `D:response` in a multistatus. */
export function propResponse({ href, props }: PropEntry): string {
  const parts = [`<D:response><D:href>${escapeXml(href)}</D:href><D:propstat><D:prop>`];
  if (props !== null) {
    parts.push(`<D:displayname>${escapeXml(props.name)}</D:displayname>`);
    parts.push(`<D:getlastmodified>${new Date(props.mtime).toUTCString()}</D:getlastmodified>`);
    parts.push(`<D:creationdate>${new Date(props.mtime).toISOString()}</D:creationdate>`);
    if (props.collection) {
      parts.push("<D:resourcetype><D:collection/></D:resourcetype>");
    } else {
      parts.push("<D:resourcetype/>");
      parts.push(`<D:getcontentlength>${props.size}</D:getcontentlength>`);
      parts.push("<D:getcontenttype>application/octet-stream</D:getcontenttype>");
    }
    if (props.etag !== null) parts.push(`<D:getetag>"${escapeXml(props.etag)}"</D:getetag>`);
    if (props.quota !== null) {
      parts.push(`<D:quota-used-bytes>${props.quota.used}</D:quota-used-bytes>`);
      if (props.quota.available !== null) {
        parts.push(`<D:quota-available-bytes>${props.quota.available}</D:quota-available-bytes>`);
      }
    }
    parts.push(
      "<D:supportedlock><D:lockentry><D:lockscope><D:exclusive/></D:lockscope>" +
        "<D:locktype><D:write/></D:locktype></D:lockentry><D:lockentry><D:lockscope>" +
        "<D:shared/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>" +
        "</D:supportedlock><D:lockdiscovery/>",
    );
  }
  parts.push("</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>");
  return parts.join("");
}
