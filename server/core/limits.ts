/**
 * The server's fixed limits, in one place: every bound on what a client can
 * make the server hold, wait for or repeat, that is not an option of
 * `conf/server.ini` (those are in `config.ts`) or a limit of the wire format
 * both sides share (`protocol/limits.ts`). Each front and core module
 * imports its bounds from here, so one reading shows them all.
 */

import { MAX_USERNAME_CHARS } from "../../protocol/limits.ts";

// --- Connections ---------------------------------------------------------------------------

/** Longest a connection being closed with a last message may linger for it to arrive. */
export const MAX_LINGER_MS = 5_000;
/** Bytes a lingering connection may still receive (and discard) before it is cut. */
export const MAX_LINGER_BYTES = 1024 * 1024;
/** Time a client has to finish a TLS handshake started by FTP's AUTH TLS. */
export const TLS_HANDSHAKE_TIMEOUT_MS = 30_000;

// --- Logins --------------------------------------------------------------------------------

/** Failed logins allowed on one connection before it is closed. */
export const MAX_FAILURES_PER_CONNECTION = 3;
/** First delay after a failed login; it doubles with each recent failure from the address. */
export const BASE_FAILURE_DELAY_MS = 400;
/** The failure delay never grows past this, so a session is never held for long. */
export const MAX_FAILURE_DELAY_MS = 10_000;
/** How long a login waits at most for its address's pending attempts to be decided. */
export const MAX_PENDING_WAIT_MS = 10_000;
/**
 * A user name a client sends is kept (for PASS, for logs) up to this many
 * characters: one more than any account name has, so a longer name stays
 * invalid instead of being cut into a valid one.
 */
export const MAX_KEPT_NAME_CHARS = MAX_USERNAME_CHARS + 1;
/** A refused user name is logged up to this many characters (what was tried, within bounds). */
export const MAX_LOGGED_NAME_CHARS = 64;
/** Correct passwords remembered at most per thread by the login cache (`login_cache`). */
export const MAX_VERIFIED_LOGINS = 10_000;
/** Password hashes computed at once on one thread (each holds a 16 MiB scrypt buffer). */
export const MAX_CONCURRENT_HASHES = 2;

// --- Native protocol -----------------------------------------------------------------------

/** Malformed frames one session may send before it is closed: each costs a reply. */
export const MAX_BAD_FRAMES = 10;
/** Unread request bodies up to this size are skipped to keep the stream in sync; larger close it. */
export const MAX_SKIPPED_BODY_BYTES = 64 * 1024;

// --- FTP -----------------------------------------------------------------------------------

/** How long a data connection may take to arrive (passive) or be made (active). */
export const DATA_CONNECT_TIMEOUT_MS = 30_000;
/** Bytes read from an FTP socket and not yet consumed before it is paused (backpressure). */
export const FTP_SOCKET_HIGH_WATER_BYTES = 64 * 1024;
/** Longest piece of an FTP command line written to the debug log. */
export const MAX_LOGGED_COMMAND_CHARS = 200;
/** Longest unknown verb echoed back in an error reply. */
export const MAX_ECHOED_VERB_CHARS = 16;

// --- SFTP ----------------------------------------------------------------------------------

/**
 * Largest SFTP packet accepted (its length prefix is checked before anything
 * is allocated): OpenSSH's own cap, which its client never exceeds.
 */
export const SFTP_MAX_PACKET_BYTES = 256 * 1024;
/** Most bytes one READ returns and one WRITE may carry (advertised by limits@openssh.com). */
export const SFTP_MAX_DATA_BYTES = 255 * 1024;
/** Handles (open files and directories) one SFTP session may hold at once. */
export const SFTP_MAX_OPEN_HANDLES = 64;
/** Bytes of WRITEs that arrived ahead of their turn an upload may hold, to put them in order. */
export const SFTP_MAX_REORDER_BYTES = 4 * 1024 * 1024;
/** SFTP subsystems (session channels) one SSH connection may have open at once. */
export const SFTP_MAX_CHANNELS = 4;
/**
 * Session channels one SSH connection may open in all (rclone opens one per refused exec of
 * a hash command): ssh2 keeps one that never started a subsystem until the connection ends.
 */
export const SSH_MAX_SESSION_CHANNELS = 64;
/** Authentication requests (any method, key queries included) one SSH connection may make. */
export const SSH_MAX_AUTH_ATTEMPTS = 10;
/** Entries sent per READDIR reply. */
export const SFTP_READDIR_BATCH = 100;
