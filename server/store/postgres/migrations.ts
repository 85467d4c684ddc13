/**
 * The PostgreSQL schema, in numbered migrations: entry N brings a database
 * from version N-1 to N. Never edit a released entry; append a new one.
 *
 * Rows shared by every node: accounts, used space and reservations, partial
 * uploads, login attempts and bans, registrations, live sessions. Rows that
 * belong to one node (its sessions, its reservations, its files' digests)
 * carry that node's name, so a node starting up clears only its own.
 */

export const MIGRATIONS: readonly string[] = [
  // 1: everything the SQLite schema has reached (its version 7), plus the node columns and the
  // account change counter behind changeStamp().
  `CREATE TABLE users (
     id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     name text NOT NULL UNIQUE,
     password_hash text NOT NULL,
     admin boolean NOT NULL DEFAULT false,
     quota_bytes bigint NOT NULL DEFAULT 0 CHECK (quota_bytes >= 0),
     used_bytes bigint NOT NULL DEFAULT 0,
     used_measured boolean NOT NULL DEFAULT true,
     disabled boolean NOT NULL DEFAULT false,
     created_at bigint NOT NULL,
     last_login bigint
   );
   -- One row, bumped in the same transaction as every change to users: a node that reads the
   -- same value twice knows no account changed in between, whoever wrote (changeStamp).
   CREATE TABLE account_changes (
     id integer PRIMARY KEY CHECK (id = 1),
     version bigint NOT NULL
   );
   INSERT INTO account_changes (id, version) VALUES (1, 0);
   CREATE FUNCTION ftpx_bump_account_changes() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     UPDATE account_changes SET version = version + 1 WHERE id = 1;
     RETURN NULL;
   END $$;
   -- Deferred to commit, so the counter's row lock is held only while committing.
   CREATE CONSTRAINT TRIGGER users_changed_rows AFTER INSERT OR DELETE ON users
     DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ftpx_bump_account_changes();
   CREATE CONSTRAINT TRIGGER users_changed_fields AFTER UPDATE ON users
     DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
     EXECUTE FUNCTION ftpx_bump_account_changes();
   CREATE TABLE live_sessions (
     id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     node text NOT NULL,
     address text NOT NULL,
     port integer NOT NULL,
     protocol text NOT NULL,
     username text,
     since bigint NOT NULL,
     activity text
   );
   CREATE INDEX live_sessions_address ON live_sessions (address);
   CREATE INDEX live_sessions_node ON live_sessions (node);
   CREATE TABLE registrations (
     address text NOT NULL,
     at bigint NOT NULL
   );
   CREATE INDEX registrations_address_at ON registrations (address, at);
   CREATE INDEX registrations_at ON registrations (at);
   CREATE TABLE upload_reservations (
     id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     node text NOT NULL,
     user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
     partial text NOT NULL,
     base bigint NOT NULL,
     reserved bigint NOT NULL,
     created_at bigint NOT NULL,
     UNIQUE (user_id, partial)
   );
   CREATE INDEX upload_reservations_node ON upload_reservations (node);
   CREATE TABLE partial_uploads (
     user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
     path text NOT NULL,
     partial text NOT NULL,
     size bigint,
     source text,
     updated_at bigint NOT NULL,
     PRIMARY KEY (user_id, path)
   );
   -- Device and inode numbers are those of one node's file system: digests are kept per node.
   CREATE TABLE file_hashes (
     node text NOT NULL,
     dev bigint NOT NULL,
     ino bigint NOT NULL,
     size bigint NOT NULL,
     mtime bigint NOT NULL,
     sha256 text NOT NULL,
     stored_at bigint NOT NULL,
     PRIMARY KEY (node, dev, ino)
   );
   CREATE INDEX file_hashes_stored_at ON file_hashes (node, stored_at);
   CREATE TABLE login_attempts (
     id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     address text NOT NULL,
     at bigint NOT NULL,
     ok boolean NOT NULL DEFAULT false,
     pending boolean NOT NULL DEFAULT false
   );
   CREATE INDEX login_attempts_address_at ON login_attempts (address, at);
   CREATE INDEX login_attempts_at ON login_attempts (at);
   CREATE TABLE login_bans (
     address text PRIMARY KEY,
     until bigint NOT NULL,
     failures integer NOT NULL
   );`,
  // 2: node leases: each node renews its row; one whose last renewal is older than the lease is
  // released (released_at set) by a live node, which drops its sessions and settles its
  // reservations. Times are the database's clock, in milliseconds.
  `CREATE TABLE nodes (
     node text PRIMARY KEY,
     started_at bigint NOT NULL,
     last_seen bigint NOT NULL,
     released_at bigint
   );
   CREATE INDEX upload_reservations_node_id ON upload_reservations (node, id);`,
  // 3: per-account rate limits in bytes per second (0: the server's default).
  `ALTER TABLE users ADD COLUMN rate_down bigint NOT NULL DEFAULT 0 CHECK (rate_down >= 0),
     ADD COLUMN rate_up bigint NOT NULL DEFAULT 0 CHECK (rate_up >= 0);`,
  // 4: the HTTP front: an end request on a live session (an administrator ending it from any
  // node), browser sessions tied to their live-session row (gone with it when its node
  // restarts), and the recent administrator actions.
  `ALTER TABLE live_sessions ADD COLUMN end_requested boolean NOT NULL DEFAULT false;
   CREATE TABLE web_sessions (
     token_hash text PRIMARY KEY,
     session_id bigint NOT NULL UNIQUE REFERENCES live_sessions (id) ON DELETE CASCADE,
     user_id integer NOT NULL,
     credential text NOT NULL,
     csrf text NOT NULL,
     created_at bigint NOT NULL,
     expires_at bigint NOT NULL
   );
   CREATE INDEX web_sessions_expires_at ON web_sessions (expires_at);
   CREATE TABLE admin_actions (
     id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     at bigint NOT NULL,
     by text NOT NULL,
     peer text NOT NULL,
     action text NOT NULL,
     target text NOT NULL,
     detail text NOT NULL
   );`,
  // 5: users' SSH public keys for SFTP logins. Adding or removing one is a credential change:
  // it bumps the account change counter, so every node's sessions re-check their key.
  `CREATE TABLE public_keys (
     user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
     fingerprint text NOT NULL,
     type text NOT NULL,
     blob bytea NOT NULL,
     comment text NOT NULL,
     added_at bigint NOT NULL,
     PRIMARY KEY (user_id, fingerprint)
   );
   CREATE CONSTRAINT TRIGGER public_keys_changed AFTER INSERT OR DELETE OR UPDATE ON public_keys
     DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ftpx_bump_account_changes();`,
];
