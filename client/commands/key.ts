/** `key add|list|rm`: one's own SSH public keys for SFTP logins; administrators, anyone's (`--user`). */

import type { CommandFlags, ShellCommand, ShellContext } from "./command.ts";
import { requireAdmin, ShellUsageError } from "./command.ts";

/**
 * Largest key file read: an RSA 16384-bit key line is about 2,800
 * characters; the server reads at most 8 KiB of a line, and the frame header
 * (64 KiB) bounds the request anyway.
 */
const MAX_KEY_FILE_BYTES = 16 * 1024;

/** One stored key, as `key_list` replies. */
interface KeyInfo {
  fingerprint: string;
  type: string;
  comment: string;
  added: string;
}

/** `key add FILE`, `key list`, `key rm FINGERPRINT`, each with `--user NAME` for administrators. */
export const key: ShellCommand = {
  name: "key",
  usage: "key add|list|rm [--user NAME] [FILE|FINGERPRINT]",
  summary: "Your SSH public keys for SFTP logins (admins: --user NAME for anyone's)",
  details: [
    "key add FILE            add the public key in local FILE (e.g. ~/.ssh/id_ed25519.pub)",
    "key list                list your keys: fingerprint, type, date added, comment",
    "key rm FINGERPRINT      remove a key (SHA256:..., as key list shows it)",
    "--user NAME             administrators: act on NAME's keys",
    "Accepted: ed25519, ECDSA (nistp256/384/521), RSA of at least 2048 bits.",
  ],
  flags: { user: { type: "string" } },
  args: { min: 1, max: 2 },
  async run(ctx, [action, argument], flags) {
    const user = targetUser(ctx, action!, flags);
    const fields: Record<string, unknown> = user === undefined ? {} : { user };
    if (action === "add") {
      if (argument === undefined) throw new ShellUsageError("Missing FILE: the public key file");
      const response = await ctx.connection.call("key_add", {
        ...fields,
        key: await readKeyFile(argument),
      });
      ctx.print(response.message);
    } else if (action === "list") {
      if (argument !== undefined) throw new ShellUsageError(`Unexpected argument "${argument}"`);
      const response = await ctx.connection.call("key_list", fields);
      const keys = response.keys as KeyInfo[];
      if (keys.length === 0) ctx.print(`"${response.user}" has no keys`);
      for (const one of keys) {
        ctx.print(
          `${one.fingerprint}  ${one.type}  ${one.added.slice(0, 10)}  ${one.comment}`.trimEnd(),
        );
      }
    } else if (action === "rm") {
      if (argument === undefined) throw new ShellUsageError("Missing FINGERPRINT (see key list)");
      const response = await ctx.connection.call("key_rm", { ...fields, fingerprint: argument });
      ctx.print(response.message);
    } else {
      throw new ShellUsageError(`Unknown action "${action}": use add, list or rm`);
    }
  },
};

/** `--user NAME`, refused before any request to a non-administrator naming someone else. */
function targetUser(ctx: ShellContext, action: string, flags: CommandFlags): string | undefined {
  const user = flags.user;
  if (user === undefined || user === true) return undefined;
  if (typeof user !== "string" || user === "") throw new ShellUsageError("--user needs a NAME");
  if (user !== ctx.user) requireAdmin(ctx, `key ${action} --user`);
  return user;
}

/** The text of a local public key file, refusing what can't be one (too big, not found). */
async function readKeyFile(file: string): Promise<string> {
  const path = file === "~" || file.startsWith("~/")
    ? (Deno.env.get("HOME") ?? "~") + file.slice(1)
    : file;
  let text: string;
  try {
    const info = await Deno.stat(path);
    if (!info.isFile) throw new Error(`Cannot read "${file}": not a file`);
    if (info.size > MAX_KEY_FILE_BYTES) {
      throw new Error(
        `Cannot read "${file}": ${info.size} bytes is too big for a public key (give the .pub file)`,
      );
    }
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new Error(`Cannot read "${file}": not found`);
    if (error instanceof Deno.errors.PermissionDenied) {
      throw new Error(`Cannot read "${file}": permission denied`);
    }
    throw error;
  }
  if (text.includes("PRIVATE KEY")) {
    throw new Error(`"${file}" is a private key: give the public one (${file}.pub)`);
  }
  return text;
}
