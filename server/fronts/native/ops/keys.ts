/**
 * `key_add`, `key_list`, `key_rm`: a user manages their own SSH public keys
 * (SFTP logins); an administrator, anyone's (`user`). The same core functions
 * as `ftpx key` do the work.
 */

import { addKey, listKeys, removeKey } from "../../../core/auth/public_keys.ts";
import { OperationError } from "../../../core/errors.ts";
import { logAdminAction } from "./_admin.ts";
import { defineOperation, loggedIn, type OpContext } from "./operation.ts";

/**
 * The account a key operation acts on: one's own, or (administrators only)
 * the one `user` names. Returns whether it is another's, for the audit log.
 */
function target(ctx: OpContext, op: string, user: string | undefined): [string, boolean] {
  const own = loggedIn(ctx).account;
  if (user === undefined || user === own.name) return [own.name, false];
  if (!own.admin) {
    throw new OperationError(
      "forbidden",
      `Only administrators may use "${op}" for another user`,
    );
  }
  return [user, true];
}

/** `key_add`: adds one key (an `authorized_keys` line) to one's own keys, or to `user`'s. */
export const keyAdd = defineOperation({
  name: "key_add",
  summary: "Add an SSH public key for SFTP logins to one's own keys (admins: any user's)",
  auth: "user",
  args: { key: "string", user: "string?" },
  async handler(ctx, { key, user }) {
    const [name, other] = target(ctx, "key_add", user);
    const added = await addKey(ctx.services.accounts, name, key);
    if (other) logAdminAction(ctx, "key_add", name, { fingerprint: added.fingerprint });
    else ctx.services.log.info("key added", { user: name, fingerprint: added.fingerprint });
    return {
      message: `Added ${added.type} key ${added.fingerprint} for "${name}"`,
      user: name,
      ...added,
    };
  },
});

/** `key_list`: one's own keys, or `user`'s: fingerprint, type, comment, added. */
export const keyList = defineOperation({
  name: "key_list",
  summary: "List one's own SSH public keys (admins: any user's)",
  auth: "user",
  args: { user: "string?" },
  async handler(ctx, { user }) {
    const [name] = target(ctx, "key_list", user);
    const keys = await listKeys(ctx.services.accounts, name);
    const count = keys.length === 1 ? "1 key" : `${keys.length} keys`;
    return { message: `"${name}" has ${count}`, user: name, keys };
  },
});

/** `key_rm`: removes one of one's own keys, or `user`'s, by fingerprint. */
export const keyRm = defineOperation({
  name: "key_rm",
  summary: "Remove one of one's own SSH public keys by fingerprint (admins: any user's)",
  auth: "user",
  args: { fingerprint: "string", user: "string?" },
  async handler(ctx, { fingerprint, user }) {
    const [name, other] = target(ctx, "key_rm", user);
    await removeKey(ctx.services.accounts, name, fingerprint);
    const full = fingerprint.startsWith("SHA256:") ? fingerprint : `SHA256:${fingerprint}`;
    if (other) logAdminAction(ctx, "key_rm", name, { fingerprint: full });
    else ctx.services.log.info("key removed", { user: name, fingerprint: full });
    return { message: `Removed key ${full} of "${name}"`, user: name, fingerprint: full };
  },
});
