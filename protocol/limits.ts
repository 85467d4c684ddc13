/**
 * Every limit on untrusted input, in one place. A reader checks a length
 * against the matching constant here before it allocates or trusts it.
 *
 * @module
 */

/** Version of the wire protocol spoken by this build; both sides send it in `hello`. */
export const PROTOCOL_VERSION = 1;

/** Size of the big-endian length prefix in front of every frame header. */
export const FRAME_PREFIX_BYTES = 4;

/** Largest JSON header a reader accepts; a longer one is an error and closes the connection. */
export const MAX_HEADER_BYTES = 64 * 1024;

/** Largest body a header may announce: files over 4 GiB must fit, so this is 2^53-1. */
export const MAX_BODY_BYTES = Number.MAX_SAFE_INTEGER;

/** Longest virtual path, in UTF-8 bytes, that a client may send. */
export const MAX_PATH_BYTES = 4096;

/** Longest single name in a path, in UTF-8 bytes (the usual file system limit). */
export const MAX_NAME_BYTES = 255;

/** Longest password accepted, in UTF-8 bytes; hashing cost must not grow with input. */
export const MAX_PASSWORD_BYTES = 1024;

/** Shortest password accepted when an account is created or a password changed. */
export const MIN_PASSWORD_LENGTH = 8;

/** Longest account name, in characters. */
export const MAX_USERNAME_CHARS = 32;

/**
 * Account names: 1 to {@linkcode MAX_USERNAME_CHARS} lowercase letters,
 * digits, `_`, `.`, `-`; never starting with `.` or `-`.
 */
export const USERNAME_PATTERN = new RegExp(`^[a-z0-9_][a-z0-9_.-]{0,${MAX_USERNAME_CHARS - 1}}$`);

/** Most entries a single directory listing returns. */
export const MAX_LIST_ENTRIES = 100_000;

/**
 * Longest FTP command line, in bytes without CRLF: a verb, a space and the
 * longest path. A longer line is refused and discarded up to its end.
 */
export const MAX_FTP_LINE_BYTES = MAX_PATH_BYTES + 512;
