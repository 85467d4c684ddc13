/**
 * The SFTP host key file: `sftp_host_key` when configured (it must exist),
 * else `sftp_host_ed25519_key` in the data dir, created (mode 0600, with a
 * `.pub` beside it) on the first start with SFTP on. Clients remember the
 * key: keeping it across restarts is what lets them trust the server.
 */

import { join } from "node:path";
import type { ServerConfig } from "../core/config.ts";
import { describeHostKey, generateHostKey, type HostKey } from "../fronts/sftp/host_key.ts";

/** Name of the host key created in the data dir. */
export const HOST_KEY_FILE = "sftp_host_ed25519_key";

/** The host key, and whether it was made now and where it is. */
export interface LoadedHostKey extends HostKey {
  path: string;
  created: boolean;
  /** True when group or others may read the key file. */
  exposed: boolean;
}

/** Loads (or, in the data dir, creates) the host key; throws a message naming the file. */
export async function loadSftpHostKey(config: ServerConfig): Promise<LoadedHostKey> {
  const path = config.sftpHostKey ?? join(config.dataDir, HOST_KEY_FILE);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound) || config.sftpHostKey !== null) {
      throw new Error(`Cannot read the SFTP host key "${path}": ${reason(error)}`);
    }
    return await createHostKey(path);
  }
  let key: HostKey;
  try {
    key = describeHostKey(text);
  } catch (error) {
    throw new Error(`Cannot use the SFTP host key "${path}": ${reason(error)}`);
  }
  const mode = (await Deno.stat(path)).mode ?? 0;
  return { ...key, path, created: false, exposed: (mode & 0o077) !== 0 };
}

async function createHostKey(path: string): Promise<LoadedHostKey> {
  const key = generateHostKey("ftpx-host");
  try {
    // createNew: two servers starting at once on one data dir must not each write a key.
    await Deno.writeTextFile(path, key.privateKey, { mode: 0o600, createNew: true });
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) {
      return {
        ...describeHostKey(await Deno.readTextFile(path)),
        path,
        created: false,
        exposed: false,
      };
    }
    throw new Error(`Cannot create the SFTP host key "${path}": ${reason(error)}`);
  }
  await Deno.chmod(path, 0o600); // The umask may have taken bits away, never added: make it exact.
  await Deno.writeTextFile(`${path}.pub`, key.publicLine + "\n", { mode: 0o644 });
  return { ...key, path, created: true, exposed: false };
}

function reason(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "not found";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  return error instanceof Error ? error.message : String(error);
}
