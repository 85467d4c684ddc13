/** `ftpx cert`: make a self-signed TLS certificate and key for a quick start. */

import { join } from "node:path";
import { parseFlags, stringFlag } from "../../cli/args.ts";
import { UsageError } from "../../cli/errors.ts";
import {
  checkCertificateName,
  createSelfSignedCertificate,
  DEFAULT_CERTIFICATE_NAMES,
} from "../core/tls/certificate.ts";

/** One line for `ftpx --help`. */
export const SUMMARY = "Make a self-signed TLS certificate and key";

/** File names written in the output directory. */
export const CERT_FILE = "ftpx-cert.pem";
/** The private key's file name; written readable by its owner only. */
export const KEY_FILE = "ftpx-key.pem";

const DEFAULT_DAYS = 365;

/** Text for `ftpx cert --help`. */
export const HELP = `Usage: ftpx cert [options]

Make a self-signed certificate and private key (ECDSA P-256) for
"ftpx serve --tls-cert ... --tls-key ...". Clients trust it with
"ftpx connect --tls --ca ${CERT_FILE}" and must connect with a name the
certificate was made for. Existing files are never overwritten without --force.

Options:
  --out DIR          Where to write ${CERT_FILE} and ${KEY_FILE} (default: .)
  --name HOST[,...]  Host names and IP addresses to make it valid for
                     (default: ${DEFAULT_CERTIFICATE_NAMES.join(",")})
  --days N           Days of validity (default ${DEFAULT_DAYS})
  --force            Replace existing files
  -h, --help         Show this help
`;

/** Writes the certificate and key and tells how to use them. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseFlags(args, {
    out: { type: "string" },
    name: { type: "string" },
    days: { type: "string" },
    force: { type: "boolean" },
  });
  if (parsed.flags.help) {
    console.log(HELP);
    return 0;
  }
  if (parsed.positionals.length > 0) {
    throw new UsageError(`Unexpected argument "${parsed.positionals[0]}"`);
  }
  const names = parseNames(stringFlag(parsed, "name"));
  const days = parseDays(stringFlag(parsed, "days") ?? String(DEFAULT_DAYS));
  const dir = stringFlag(parsed, "out") ?? ".";
  const certPath = join(dir, CERT_FILE);
  const keyPath = join(dir, KEY_FILE);
  const made = await createSelfSignedCertificate({ names, days });
  try {
    if (parsed.flags.force !== true) await refuseExisting([certPath, keyPath]);
    await Deno.mkdir(dir, { recursive: true });
    // Old files are removed, not rewritten, so the key is owner-only from its creation.
    await removeIfPresent(keyPath);
    await removeIfPresent(certPath);
    await Deno.writeTextFile(keyPath, made.key, { mode: 0o600, createNew: true });
    await Deno.writeTextFile(certPath, made.cert, { mode: 0o644, createNew: true });
  } catch (error) {
    const problem = outDirProblem(error);
    if (problem === null) throw error;
    throw new Error(`Cannot write the certificate in "${dir}": ${problem}`);
  }

  console.log(
    `Created a self-signed certificate for ${names.join(", ")}, valid until ${
      made.notAfter.toISOString().slice(0, 10)
    }
  certificate: ${certPath}
  private key: ${keyPath} (keep it secret)
  SHA-256 fingerprint: ${made.fingerprint}
Start the server:  ftpx serve --tls-cert ${certPath} --tls-key ${keyPath}
Connect a client:  ftpx connect --tls --ca ${certPath} -H ${names[0]}`,
  );
  return 0;
}

function parseNames(raw: string | undefined): string[] {
  if (raw === undefined) return [...DEFAULT_CERTIFICATE_NAMES];
  const names = raw.split(",").map((name) => name.trim()).filter((name) => name !== "");
  if (names.length === 0) throw new UsageError("--name needs at least one host name or address");
  for (const name of names) {
    try {
      checkCertificateName(name);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  return names;
}

function parseDays(raw: string): number {
  const days = Number(raw);
  if (!/^\d+$/.test(raw) || days < 1 || days > 3650) {
    throw new UsageError(`Invalid --days "${raw}": expected a whole number from 1 to 3650`);
  }
  return days;
}

async function refuseExisting(paths: string[]): Promise<void> {
  for (const path of paths) {
    try {
      await Deno.lstat(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw error;
    }
    throw new Error(`"${path}" already exists: use --force to replace it, or --out DIR`);
  }
}

/** What stops writing in the --out directory, in a few words; null for an error of ours. */
function outDirProblem(error: unknown): string | null {
  if (error instanceof Deno.errors.NotADirectory || error instanceof Deno.errors.AlreadyExists) {
    return "a file is in the way (give --out a directory)";
  }
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.NotCapable) return "not allowed";
  return null;
}

async function removeIfPresent(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
