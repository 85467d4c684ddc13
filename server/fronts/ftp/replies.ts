/**
 * FTP replies as RFC 959 spells them: `code text` on one line, or a
 * multi-line reply `code-first`, lines each starting with a space, then
 * `code last`. Every piece of text is sanitized first, so no file name or
 * message can end a line early and forge a reply (vsftpd's ftpcmdio.c).
 */

/** One reply: a three-digit code and one or more lines of text. */
export interface FtpReply {
  code: number;
  lines: string[];
}

/** Builds a reply; several lines make a multi-line reply. */
export function reply(code: number, ...lines: string[]): FtpReply {
  if (!Number.isInteger(code) || code < 100 || code > 599) {
    throw new RangeError(`Invalid FTP reply code ${code}`);
  }
  return { code, lines: lines.length > 0 ? lines : [""] };
}

// deno-lint-ignore no-control-regex
const CONTROL_CHARACTERS = /[\x00-\x1f\x7f]/g;

/** Replaces control characters (CR, LF, NUL...) with `?`. */
export function sanitizeText(text: string): string {
  return text.replace(CONTROL_CHARACTERS, "?");
}

/** Quotes a path for a 257 reply: inside double quotes, with `"` doubled (RFC 959 appendix II). */
export function quotePath(path: string): string {
  return `"${path.replaceAll('"', '""')}"`;
}

/** The reply's bytes on the wire, CRLF-terminated. */
export function formatReply({ code, lines }: FtpReply): string {
  const clean = lines.map(sanitizeText);
  if (clean.length === 1) return `${code} ${clean[0]}\r\n`;
  const first = `${code}-${clean[0]}\r\n`;
  const middle = clean.slice(1, -1).map((line) => ` ${line}\r\n`).join("");
  return `${first}${middle}${code} ${clean.at(-1)}\r\n`;
}
