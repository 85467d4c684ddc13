/** `ftpx key`: manage a user's SSH public keys (SFTP logins) on the server host. */

import { parseFlags } from "../../cli/args.ts";
import { UsageError } from "../../cli/errors.ts";
import { addKey, listKeys, removeKey } from "../core/auth/public_keys.ts";
import { configFromFlags, DATA_FLAGS, DATA_FLAGS_HELP, openAccounts } from "./_account_flags.ts";

/** One line for `ftpx --help`. */
export const SUMMARY = "Add, list or remove a user's SSH keys for SFTP (on the server host)";

/** Text for `ftpx key --help`. */
export const HELP = `Usage: ftpx key add NAME FILE|-   [options]
       ftpx key list NAME           [options]
       ftpx key rm NAME FINGERPRINT [options]

Manage the public keys NAME may log in to SFTP with. FILE holds one key in
authorized_keys form ("ssh-ed25519 AAAA... comment", such as ~/.ssh/id_ed25519.pub);
- reads it from standard input. Accepted: ed25519, ECDSA (nistp256/384/521)
and RSA of at least 2048 bits. "list" shows each key's fingerprint
(SHA256:..., as ssh-keygen -lf prints it), which "rm" takes. Works while
the server runs: a removed key ends the sessions it opened at their next
request.

Options:
${DATA_FLAGS_HELP}
  -h, --help         Show this help
`;

/** Runs one key action. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseFlags(args, { ...DATA_FLAGS });
  if (parsed.flags.help) {
    console.log(HELP);
    return 0;
  }
  const [action, name, argument, ...extra] = parsed.positionals;
  const wanted = { add: "FILE", list: null, rm: "FINGERPRINT" } as const;
  if (action === undefined) throw new UsageError("Missing action: add, list or rm");
  if (!(action in wanted)) throw new UsageError(`Unknown action "${action}": use add, list or rm`);
  const needs = wanted[action as keyof typeof wanted];
  if (name === undefined) throw new UsageError("Missing NAME");
  if (needs !== null && argument === undefined) throw new UsageError(`Missing ${needs}`);
  const unexpected = needs === null ? argument : extra[0];
  if (unexpected !== undefined) throw new UsageError(`Unexpected argument "${unexpected}"`);
  const text = action === "add" ? await readKeyText(argument!) : "";
  const accounts = await openAccounts(await configFromFlags(parsed));
  try {
    if (action === "add") {
      const key = await addKey(accounts, name, text);
      console.log(`Added ${key.type} key ${key.fingerprint} for "${name}"`);
    } else if (action === "list") {
      const keys = await listKeys(accounts, name);
      if (keys.length === 0) console.log(`"${name}" has no keys`);
      for (const key of keys) {
        console.log(
          `${key.fingerprint}  ${key.type}  ${key.added.slice(0, 10)}  ${key.comment}`.trimEnd(),
        );
      }
    } else {
      await removeKey(accounts, name, argument!);
      console.log(`Removed key ${argument} of "${name}"`);
    }
  } finally {
    await accounts.close();
  }
  return 0;
}

/** The key file's text, or standard input's for `-` (one key is a few KiB at most). */
async function readKeyText(file: string): Promise<string> {
  if (file === "-") return await new Response(Deno.stdin.readable).text();
  try {
    return await Deno.readTextFile(file);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound ? "not found" : String(error);
    throw new Error(`Cannot read "${file}": ${reason}`);
  }
}
