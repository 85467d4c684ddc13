/** `ftpx serve`: run the server in the foreground. */

import { hostPort } from "../core/net/address.ts";
import { parseFlags, parsePort, stringFlag } from "../../cli/args.ts";
import { UsageError } from "../../cli/errors.ts";
import { loadConfig, nodeIdOf } from "../core/config.ts";
import { startServer } from "../boot/serve.ts";

/** One line for `ftpx --help`. */
export const SUMMARY = "Run the server";

/** Text for `ftpx serve --help`. */
export const HELP = `Usage: ftpx serve [options]

Run the ftpx server in the foreground. Settings come from flags, then the
config file, then built-in defaults. On first start with an empty data dir
an "admin" account is created and its password printed once.

Options:
  --host HOST        Address to listen on (default 127.0.0.1)
  --port PORT        Port to listen on; 0 picks a free one (default 2121)
  --ftp-port PORT    Also serve standard FTP on PORT; 0 picks a free one (default off)
  --http-port PORT   Also serve HTTP on PORT: the web client at /, WebDAV at /dav/,
                     metrics at /metrics (HTTPS with --tls-cert); 0 picks a free one
  --sftp-port PORT   Also serve SFTP (SSH) on PORT; 0 picks a free one (default off).
                     The host key is DATA/sftp_host_ed25519_key, made on first start
                     (or sftp_host_key = FILE in the config file); its fingerprint
                     is printed at start, for clients to check
  --data DIR         Data directory: accounts and homes (default ./ftpx-data)
  --db URL           Keep accounts in PostgreSQL, postgres://USER@HOST:PORT/DB, shared
                     by several nodes (default: SQLite in the data dir). The password
                     comes from FTPX_DB_PASSWORD or .pgpass, never from the URL
  --config FILE      INI file (default conf/server.ini, if present)
  --log-level LEVEL  debug, info, warn or error (default info)
  --tls-cert FILE    Serve TLS with this certificate (PEM; see ftpx cert)
  --tls-key FILE     The certificate's private key (PEM)
  -h, --help         Show this help

With TLS, clients connect with "ftpx connect --tls" (plus --ca FILE for a
self-signed certificate). Limits, timeouts and require_tls are set in the
config file; see conf/server.ini and docs/security.md.
`;

/** Runs the server until it is stopped or fails. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseFlags(args, {
    host: { type: "string" },
    port: { type: "string" },
    "ftp-port": { type: "string" },
    "http-port": { type: "string" },
    "sftp-port": { type: "string" },
    data: { type: "string" },
    db: { type: "string" },
    config: { type: "string" },
    "log-level": { type: "string" },
    "tls-cert": { type: "string" },
    "tls-key": { type: "string" },
  });
  if (parsed.flags.help) {
    console.log(HELP);
    return 0;
  }
  if (parsed.positionals.length > 0) {
    throw new UsageError(`Unexpected argument "${parsed.positionals[0]}"`);
  }
  const port = stringFlag(parsed, "port");
  const ftpPort = stringFlag(parsed, "ftp-port");
  const httpPort = stringFlag(parsed, "http-port");
  const sftpPort = stringFlag(parsed, "sftp-port");
  const config = await loadConfig({
    configPath: stringFlag(parsed, "config"),
    overrides: {
      host: stringFlag(parsed, "host"),
      port: port === undefined ? undefined : String(parsePort(port)),
      ftp_port: ftpPort === undefined ? undefined : String(parsePort(ftpPort, "FTP port")),
      http_port: httpPort === undefined ? undefined : String(parsePort(httpPort, "HTTP port")),
      sftp_port: sftpPort === undefined ? undefined : String(parsePort(sftpPort, "SFTP port")),
      data: stringFlag(parsed, "data"),
      db: stringFlag(parsed, "db"),
      log_level: stringFlag(parsed, "log-level"),
      tls_cert: stringFlag(parsed, "tls-cert"),
      tls_key: stringFlag(parsed, "tls-key"),
    },
  });
  const server = await startServer(config);
  // Before anything is printed: whoever waits for the banner may signal at once.
  const stopOn = (signal: Deno.Signal) =>
    Deno.addSignalListener(signal, () => {
      server.stop();
      Deno.exit(0);
    });
  stopOn("SIGINT");
  stopOn("SIGTERM");
  if (server.tlsFingerprint !== null) {
    console.log(`TLS on port ${server.port}, certificate SHA-256 ${server.tlsFingerprint}`);
  }
  if (server.plainPort !== null) {
    const policy = config.requireTls
      ? "refuses sessions (require_tls)"
      : "serves logins without TLS (require_tls = false)";
    console.log(`plaintext on port ${server.plainPort}: ${policy}`);
  }
  if (server.ftpPort !== null) {
    // Printed before, and worded unlike, the "ftpx listening on" line scripts wait for.
    const { first, last } = config.pasvPorts;
    const passive = first === 0 ? "any free port" : `${first}-${last}`;
    console.log(`FTP on ${hostPort(config.host, server.ftpPort)} (passive ports ${passive})`);
  }
  if (server.httpPort !== null) {
    const scheme = server.tlsFingerprint === null ? "http" : "https";
    console.log(`HTTP on ${scheme}://${config.host}:${server.httpPort}/ (WebDAV at /dav/)`);
  }
  if (server.sftp !== null) {
    const { port, kind, fingerprint, keyFile, created } = server.sftp;
    console.log(
      `SFTP on ${config.host}:${port}, host key ${kind} ${fingerprint}` +
        (created ? ` (new: ${keyFile})` : ""),
    );
  }
  if (config.db !== null) console.log(`accounts in ${config.db} (node ${nodeIdOf(config)})`);
  console.log(`ftpx listening on ${hostPort(config.host, server.port)}, data ${server.dataDir}`);
  await server.failed;
  return 1;
}
