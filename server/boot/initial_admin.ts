/**
 * First start on an empty data dir: nobody could log in, so create an
 * `admin` account with a random password and leave the password where the
 * operator will find it: in a 0600 file, and printed once only when
 * standard output is a terminal. A service manager (systemd, Docker) keeps
 * whatever a service prints in a journal other users and backups may read,
 * so a non-terminal output names the file, never the password.
 */

import { Buffer } from "node:buffer";
import { join } from "node:path";
import type { Accounts } from "../core/accounts.ts";

/** File in the data dir holding the first admin password. */
export const INITIAL_PASSWORD_FILE = "initial-admin-password";

/** Name of the account created on first start. */
export const INITIAL_ADMIN = "admin";

/** What was created on first start. */
export interface InitialAdmin {
  password: string;
  file: string;
}

/** Creates the first administrator if there are no accounts; `null` when accounts exist. */
export async function ensureInitialAdmin(accounts: Accounts): Promise<InitialAdmin | null> {
  if (await accounts.count() > 0) return null;
  const password = Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString("base64url");
  await accounts.create({ name: INITIAL_ADMIN, password, admin: true, quota: 0 });
  const file = join(accounts.dataDir, INITIAL_PASSWORD_FILE);
  await Deno.writeTextFile(file, password + "\n", { mode: 0o600 });
  await Deno.chmod(file, 0o600);
  return { password, file };
}

/** The line printed on first start: the password itself only for a terminal. */
export function initialAdminNotice(admin: InitialAdmin, terminal: boolean): string {
  if (terminal) {
    return `Created administrator "${INITIAL_ADMIN}" with password ${admin.password} (also in ${admin.file})`;
  }
  return `Created administrator "${INITIAL_ADMIN}"; its password is in ${admin.file} (readable only by this user)`;
}
