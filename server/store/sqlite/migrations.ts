/**
 * Schema migrations, in order: entry N brings a database from version N-1 to N.
 * Never edit a released entry; append a new one.
 */

export const MIGRATIONS: readonly string[] = [
  // 1: accounts.
  `CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    admin INTEGER NOT NULL DEFAULT 0 CHECK (admin IN (0, 1)),
    quota_bytes INTEGER NOT NULL DEFAULT 0 CHECK (quota_bytes >= 0),
    created_at INTEGER NOT NULL
  ) STRICT`,
  // 2: space accounting, login tracking, disabling; live sessions of all server threads.
  `ALTER TABLE users ADD COLUMN used_bytes INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE users ADD COLUMN last_login INTEGER;
   ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1));
   CREATE TABLE live_sessions (
     id INTEGER PRIMARY KEY,
     address TEXT NOT NULL,
     port INTEGER NOT NULL,
     protocol TEXT NOT NULL,
     user TEXT,
     since INTEGER NOT NULL,
     activity TEXT
   ) STRICT;
   CREATE INDEX live_sessions_address ON live_sessions (address);`,
  // 3: self-registration attempts per client address, for the rate limit shared by all threads.
  `CREATE TABLE registrations (
     address TEXT NOT NULL,
     at INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX registrations_address_at ON registrations (address, at);`,
  // 4: transfers: quota reservations of uploads in flight (emptied at start), partial uploads
  // kept for resuming, and a cache of whole-file sha256 keyed by the file's identity.
  `CREATE TABLE upload_reservations (
     id INTEGER PRIMARY KEY,
     user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
     partial TEXT NOT NULL,
     base INTEGER NOT NULL,
     reserved INTEGER NOT NULL,
     created_at INTEGER NOT NULL
   ) STRICT;
   CREATE UNIQUE INDEX upload_reservations_partial ON upload_reservations (user_id, partial);
   CREATE TABLE partial_uploads (
     user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
     path TEXT NOT NULL,
     partial TEXT NOT NULL,
     size INTEGER,
     source TEXT,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (user_id, path)
   ) STRICT;
   CREATE TABLE file_hashes (
     dev INTEGER NOT NULL,
     ino INTEGER NOT NULL,
     size INTEGER NOT NULL,
     mtime INTEGER NOT NULL,
     sha256 TEXT NOT NULL,
     PRIMARY KEY (dev, ino)
   ) STRICT;`,
  // 5: login attempts per client address and temporary bans (server/core/auth/login_guard.ts).
  `CREATE TABLE login_attempts (
     id INTEGER PRIMARY KEY,
     address TEXT NOT NULL,
     at INTEGER NOT NULL,
     ok INTEGER NOT NULL DEFAULT 0 CHECK (ok IN (0, 1))
   ) STRICT;
   CREATE INDEX login_attempts_address_at ON login_attempts (address, at);
   CREATE INDEX login_attempts_at ON login_attempts (at);
   CREATE TABLE login_bans (
     address TEXT PRIMARY KEY,
     until INTEGER NOT NULL,
     failures INTEGER NOT NULL
   ) STRICT;`,
  // 6: whether an account's used space has been measured on disk. Accounts of an older data dir
  // (schema 1 had no used space at all) are not: the server measures them once at start.
  `ALTER TABLE users ADD COLUMN used_measured INTEGER NOT NULL DEFAULT 0
     CHECK (used_measured IN (0, 1));`,
  // 7: a login attempt is pending while its password is being checked: pending and failed attempts
  // count toward the limits, so a burst of parallel logins cannot check more than the ban threshold.
  `ALTER TABLE login_attempts ADD COLUMN pending INTEGER NOT NULL DEFAULT 0
     CHECK (pending IN (0, 1));`,
  // 8: per-account rate limits in bytes per second (0: the server's default).
  `ALTER TABLE users ADD COLUMN rate_down INTEGER NOT NULL DEFAULT 0 CHECK (rate_down >= 0);
   ALTER TABLE users ADD COLUMN rate_up INTEGER NOT NULL DEFAULT 0 CHECK (rate_up >= 0);`,
  // 9: the HTTP front: an end request on a live session (an administrator ending it from any
  // thread), browser sessions tied to their live-session row (gone with it, e.g. at server
  // start), and the recent administrator actions.
  `ALTER TABLE live_sessions ADD COLUMN end_requested INTEGER NOT NULL DEFAULT 0
     CHECK (end_requested IN (0, 1));
   CREATE TABLE web_sessions (
     token_hash TEXT PRIMARY KEY,
     session_id INTEGER NOT NULL UNIQUE REFERENCES live_sessions (id) ON DELETE CASCADE,
     user_id INTEGER NOT NULL,
     credential TEXT NOT NULL,
     csrf TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX web_sessions_expires_at ON web_sessions (expires_at);
   CREATE TABLE admin_actions (
     id INTEGER PRIMARY KEY,
     at INTEGER NOT NULL,
     by TEXT NOT NULL,
     peer TEXT NOT NULL,
     action TEXT NOT NULL,
     target TEXT NOT NULL,
     detail TEXT NOT NULL
   ) STRICT;`,
  // 10: users' SSH public keys for SFTP logins (server/core/auth/public_keys.ts).
  `CREATE TABLE public_keys (
     user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
     fingerprint TEXT NOT NULL,
     type TEXT NOT NULL,
     blob BLOB NOT NULL,
     comment TEXT NOT NULL,
     added_at INTEGER NOT NULL,
     PRIMARY KEY (user_id, fingerprint)
   ) STRICT;`,
];
