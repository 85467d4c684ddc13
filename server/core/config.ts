/**
 * Server configuration: one typed table of options, loaded from built-in
 * defaults, then `conf/server.ini`, then command-line flags (flags win).
 * Every INI value is validated here; an unknown key or a bad value stops
 * startup with a message naming the key.
 */

import { parse as parseIni } from "ini";
import { UsageError } from "../../cli/errors.ts";
import { MAX_HEADER_BYTES, MAX_LIST_ENTRIES, MAX_PATH_BYTES } from "../../protocol/limits.ts";
import { parseSize } from "../../protocol/size.ts";
import { parseDbUrl, redactDbUrl } from "../store/postgres/url.ts";
import { LOG_LEVELS, type LogLevel } from "./log.ts";
import { type IpNetwork, parseNetwork } from "./net/ip.ts";

/** The resolved configuration the server runs with. */
export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  /** `postgres://USER@HOST:PORT/DB` (several nodes on one database); null: SQLite in the data dir. */
  db: string | null;
  /** This node's name in a shared database; null: the host name and port (`nodeIdOf`). */
  nodeId: string | null;
  /** Seconds without a heartbeat after which a node's sessions and reservations are released. */
  nodeLease: number;
  logLevel: LogLevel;
  workers: number;
  defaultQuota: number;
  /** Download rate limit per transfer, bytes per second, for accounts without their own; 0 = none. */
  rateDown: number;
  /** Upload rate limit per transfer, bytes per second, for accounts without their own; 0 = none. */
  rateUp: number;
  idleTimeout: number;
  /** Whether clients may create their own accounts (`register`). */
  allowRegister: boolean;
  /** Registration attempts allowed per client address within {@linkcode registerWindow}. */
  registerLimit: number;
  /** Length of the registration rate-limit window, in seconds. */
  registerWindow: number;
  /** Seconds a partial upload may stay idle before it is deleted. */
  partialMaxAge: number;
  /** TLS certificate chain (PEM file); with `tlsKey`, `port` speaks TLS. */
  tlsCert: string | null;
  /** TLS private key (PEM file). */
  tlsKey: string | null;
  /** With TLS on, the plaintext listener (if any) refuses every session. */
  requireTls: boolean;
  /**
   * With TLS on, FTP data commands need PROT P (data connections in TLS);
   * "auto" follows {@linkcode ServerConfig.requireTls}. See {@linkcode protRequired}.
   */
  requireProtP: boolean | "auto";
  /** Extra plaintext port when TLS is on; null: none. */
  plainPort: number | null;
  /** Largest request header accepted, in bytes (at most the protocol's hard cap). */
  maxHeaderSize: number;
  /** Seconds a request header may take to arrive once its first byte has (slow-trickle defence). */
  headerTimeout: number;
  /** Seconds one read or write of a transfer may make no progress before the session is closed. */
  transferTimeout: number;
  /** Seconds from connecting to a successful login, on both protocols. */
  loginTimeout: number;
  /** Bytes a second a transfer must average over {@linkcode ServerConfig.minRateWindow}; 0: off. */
  minRate: number;
  /** Seconds spent waiting on the client that {@linkcode ServerConfig.minRate} is measured over. */
  minRateWindow: number;
  /** Sessions open at once, all threads and protocols together. */
  maxSessions: number;
  /** Sessions open at once from one client address. */
  maxSessionsPerAddress: number;
  /** Login attempts (good or bad) accepted from one address per minute. */
  loginAttemptsPerMinute: number;
  /** Failed logins from one address, within the ban time, that trigger a ban. */
  loginBanFailures: number;
  /** Seconds an address stays banned; also the window in which failures are counted. */
  loginBanTime: number;
  /** Seconds a correct password, once verified, is accepted again without hashing (0: off). */
  loginCache: number;
  /** Longest virtual path a client may send, in bytes. */
  maxPathLength: number;
  /** Most entries one directory listing returns. */
  maxListEntries: number;
  /** Port of the FTP listener; null when FTP is off. */
  ftpPort: number | null;
  /**
   * Plaintext listeners (native without TLS or `plain_port`, FTP control,
   * passive FTP data) expect a PROXY protocol header (v1 or v2) from a load
   * balancer before anything else, and serve the client it names.
   */
  proxyProtocol: boolean;
  /** The balancers' addresses or networks: the only peers a PROXY listener accepts. */
  proxyFrom: IpNetwork[];
  /** Ports passive FTP data connections may use. */
  pasvPorts: PortRange;
  /** Address announced in PASV replies; empty: the address the client connected to. */
  pasvAddress: string;
  /** Allow active-mode FTP (PORT/EPRT), only towards the client's own address. */
  activeMode: boolean;
  /** Seconds a passive port stays open without its transfer starting. */
  pasvAcceptTimeout: number;
  /** Passive ports one user may hold at once, all sessions and threads together. */
  pasvPortsPerUser: number;
  /** Passive ports one client address may hold at once. */
  pasvPortsPerAddress: number;
  /** Port of the HTTP front (web client, WebDAV, metrics); null when it is off. */
  httpPort: number | null;
  /** Serve HTTP without TLS on an address other than loopback (passwords in plaintext). */
  httpInsecure: boolean;
  /** Seconds a browser session may stay unused before it ends. */
  httpSessionTimeout: number;
  /** Serve Prometheus metrics at `/metrics` on the HTTP port. */
  metrics: boolean;
  /** Port of the SFTP (SSH) listener; null when SFTP is off. */
  sftpPort: number | null;
  /** The SSH host key (OpenSSH private key file); null: `sftp_host_ed25519_key` in the data dir. */
  sftpHostKey: string | null;
}

/** An inclusive range of TCP ports; `{first: 0, last: 0}` lets the system pick. */
export interface PortRange {
  first: number;
  last: number;
}

type Parser<T> = (raw: string) => T;

interface OptionSpec<T> {
  /** Key in the INI file. */
  key: string;
  parse: Parser<T>;
  default: T;
  /** How a value is quoted in an error; default: as given (a secret in it must not be). */
  show?: (raw: string) => string;
}

type ConfigTable = { [K in keyof ServerConfig]: OptionSpec<ServerConfig[K]> };

function integer(min: number, max: number): Parser<number> {
  return (raw) => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      throw new RangeError(`expected a whole number from ${min} to ${max}`);
    }
    return value;
  };
}

/** Like {@linkcode integer}, but an empty value means "none" (null). */
function optionalInteger(min: number, max: number): Parser<number | null> {
  const parse = integer(min, max);
  return (raw) => raw === "" ? null : parse(raw);
}

/** A size (`32K`) from `min` to `max` bytes. */
function size(min: number, max: number): Parser<number> {
  return (raw) => {
    const value = parseSize(raw);
    if (value < min || value > max) {
      throw new RangeError(`expected a size from ${min} to ${max} bytes`);
    }
    return value;
  };
}

function text(raw: string): string {
  if (raw === "") throw new RangeError("expected a value");
  return raw;
}

/** Parses true/false, yes/no, on/off, 1/0. */
export function boolean(raw: string): boolean {
  const value = raw.toLowerCase();
  if (["true", "yes", "on", "1"].includes(value)) return true;
  if (["false", "no", "off", "0"].includes(value)) return false;
  throw new RangeError("expected true or false");
}

/** `auto`, or a boolean as {@linkcode boolean} reads it. */
function booleanOrAuto(raw: string): boolean | "auto" {
  if (raw.toLowerCase() === "auto") return "auto";
  try {
    return boolean(raw);
  } catch {
    throw new RangeError("expected auto, true or false");
  }
}

/**
 * Whether every front must refuse a login that did not come over TLS:
 * TLS is configured and `require_tls` is on (the native port then speaks
 * TLS only; FTP needs AUTH TLS before USER).
 */
export function tlsRequired(config: Pick<ServerConfig, "tlsCert" | "requireTls">): boolean {
  return config.tlsCert !== null && config.requireTls;
}

/**
 * Whether FTP data connections must use TLS (PROT P) on a server with TLS:
 * `require_prot_p`, where "auto" means the same as `require_tls`.
 */
export function protRequired(config: Pick<ServerConfig, "requireTls" | "requireProtP">): boolean {
  return config.requireProtP === "auto" ? config.requireTls : config.requireProtP;
}

const DURATION_UNITS: Record<string, number> = { "": 1, s: 1, m: 60, h: 3600, d: 86400 };

/** Parses a duration in seconds: `90`, `90s`, `15m`, `12h`, `7d`; at least one minute. */
export function duration(raw: string): number {
  const match = /^(\d+)\s*([smhd]?)$/i.exec(raw.trim());
  const seconds = match ? Number(match[1]) * DURATION_UNITS[match[2]!.toLowerCase()]! : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 60) {
    throw new RangeError("expected a duration of at least a minute, like 90m, 12h or 7d");
  }
  return seconds;
}

function oneOf<T extends string>(values: readonly T[]): Parser<T> {
  return (raw) => {
    if (!(values as readonly string[]).includes(raw)) {
      throw new RangeError(`expected one of ${values.join(", ")}`);
    }
    return raw as T;
  };
}

/** `off`, or a port number (0 picks a free port). */
function optionalPort(raw: string): number | null {
  if (raw.toLowerCase() === "off") return null;
  return integer(0, 65535)(raw);
}

/** `FIRST-LAST` (e.g. `50000-50100`), or `0` for any free port. */
export function portRange(raw: string): PortRange {
  if (raw === "0") return { first: 0, last: 0 };
  const match = /^(\d+)\s*-\s*(\d+)$/.exec(raw);
  const first = Number(match?.[1]);
  const last = Number(match?.[2]);
  if (!match || first < 1024 || last > 65535 || first > last) {
    throw new RangeError("expected FIRST-LAST with 1024 <= FIRST <= LAST <= 65535, or 0");
  }
  return { first, last };
}

/** A file path, or null when empty. */
function optionalPath(raw: string): string | null {
  return raw === "" ? null : raw;
}

/** Empty (SQLite in the data dir), or a PostgreSQL URL without a password. */
function optionalDbUrl(raw: string): string | null {
  if (raw === "") return null;
  parseDbUrl(raw);
  return raw;
}

/** Empty, or a node name: letters, digits and `._:-`, at most 64. */
function optionalNodeId(raw: string): string | null {
  if (raw === "") return null;
  if (!/^[A-Za-z0-9._:-]{1,64}$/.test(raw)) {
    throw new RangeError("expected 1 to 64 of A-Z a-z 0-9 . _ : -");
  }
  return raw;
}

/** Empty, or a dotted IPv4 address (PASV replies can carry nothing else). */
function optionalIpv4(raw: string): string {
  if (raw === "") return raw;
  const parts = raw.split(".");
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) < 256)) {
    throw new RangeError("expected an IPv4 address such as 203.0.113.7, or nothing");
  }
  return raw;
}

/** A list of addresses or networks, separated by commas or spaces; empty: none. */
function networks(raw: string): IpNetwork[] {
  return raw.split(/[\s,]+/).filter((item) => item !== "").map(parseNetwork);
}

/** Every option: INI key, parser and default. The shipped `conf/server.ini` documents each. */
export const CONFIG_TABLE: ConfigTable = {
  host: { key: "host", parse: text, default: "127.0.0.1" },
  port: { key: "port", parse: integer(0, 65535), default: 2121 },
  dataDir: { key: "data", parse: text, default: "./ftpx-data" },
  db: { key: "db", parse: optionalDbUrl, default: null, show: redactDbUrl },
  nodeId: { key: "node_id", parse: optionalNodeId, default: null },
  nodeLease: { key: "node_lease", parse: integer(2, 3600), default: 30 },
  logLevel: { key: "log_level", parse: oneOf(LOG_LEVELS), default: "info" },
  workers: { key: "workers", parse: integer(0, 64), default: 0 },
  defaultQuota: { key: "default_quota", parse: parseSize, default: 0 },
  rateDown: { key: "rate_down", parse: parseSize, default: 0 },
  rateUp: { key: "rate_up", parse: parseSize, default: 0 },
  idleTimeout: { key: "idle_timeout", parse: integer(1, 86400), default: 600 },
  allowRegister: { key: "allow_register", parse: boolean, default: false },
  registerLimit: { key: "register_limit", parse: integer(1, 1000), default: 5 },
  registerWindow: { key: "register_window", parse: integer(1, 604800), default: 3600 },
  partialMaxAge: { key: "partial_max_age", parse: duration, default: 7 * 86400 },
  tlsCert: { key: "tls_cert", parse: optionalPath, default: null },
  tlsKey: { key: "tls_key", parse: optionalPath, default: null },
  requireTls: { key: "require_tls", parse: boolean, default: true },
  requireProtP: { key: "require_prot_p", parse: booleanOrAuto, default: "auto" },
  plainPort: { key: "plain_port", parse: optionalInteger(0, 65535), default: null },
  maxHeaderSize: {
    key: "max_header_size",
    parse: size(1024, MAX_HEADER_BYTES),
    default: 32 * 1024,
  },
  headerTimeout: { key: "header_timeout", parse: integer(1, 3600), default: 30 },
  transferTimeout: { key: "transfer_timeout", parse: integer(1, 86400), default: 120 },
  loginTimeout: { key: "login_timeout", parse: integer(1, 3600), default: 30 },
  minRate: { key: "min_rate", parse: size(0, 1024 ** 3), default: 1024 },
  minRateWindow: { key: "min_rate_window", parse: integer(1, 3600), default: 60 },
  maxSessions: { key: "max_sessions", parse: integer(1, 1_000_000), default: 10_000 },
  maxSessionsPerAddress: {
    key: "max_sessions_per_address",
    parse: integer(1, 1_000_000),
    default: 64,
  },
  loginAttemptsPerMinute: {
    key: "login_attempts_per_minute",
    parse: integer(1, 10_000),
    default: 60,
  },
  loginBanFailures: { key: "login_ban_failures", parse: integer(1, 10_000), default: 10 },
  loginBanTime: { key: "login_ban_time", parse: integer(1, 30 * 86400), default: 900 },
  loginCache: { key: "login_cache", parse: integer(0, 86400), default: 600 },
  maxPathLength: {
    key: "max_path_length",
    parse: integer(16, MAX_PATH_BYTES),
    default: MAX_PATH_BYTES,
  },
  maxListEntries: {
    key: "max_list_entries",
    parse: integer(1, MAX_LIST_ENTRIES),
    default: 20_000,
  },
  ftpPort: { key: "ftp_port", parse: optionalPort, default: null },
  proxyProtocol: { key: "proxy_protocol", parse: boolean, default: false },
  proxyFrom: { key: "proxy_from", parse: networks, default: [] },
  pasvPorts: { key: "pasv_ports", parse: portRange, default: { first: 50000, last: 50100 } },
  pasvAddress: { key: "pasv_address", parse: optionalIpv4, default: "" },
  activeMode: { key: "active_mode", parse: boolean, default: false },
  pasvAcceptTimeout: { key: "pasv_accept_timeout", parse: integer(1, 3600), default: 10 },
  pasvPortsPerUser: { key: "pasv_ports_per_user", parse: integer(1, 65535), default: 16 },
  pasvPortsPerAddress: { key: "pasv_ports_per_address", parse: integer(1, 65535), default: 32 },
  httpPort: { key: "http_port", parse: optionalPort, default: null },
  httpInsecure: { key: "http_insecure", parse: boolean, default: false },
  httpSessionTimeout: {
    key: "http_session_timeout",
    parse: integer(60, 30 * 86400),
    default: 3600,
  },
  metrics: { key: "metrics", parse: boolean, default: false },
  sftpPort: { key: "sftp_port", parse: optionalPort, default: null },
  sftpHostKey: { key: "sftp_host_key", parse: optionalPath, default: null },
};

/** Default location of the INI file, relative to the current directory. */
export const DEFAULT_CONFIG_PATH = "conf/server.ini";

/** A configuration file or flag value is invalid; the message names the key. */
export class ConfigError extends Error {
  /** Creates a configuration error. */
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Where to load from and what the command line overrides. */
export interface LoadConfigOptions {
  /** INI path; when absent, `conf/server.ini` is used if it exists. */
  configPath?: string | undefined;
  /** Raw values from flags, keyed by INI key (e.g. `{ port: "0" }`). */
  overrides?: Record<string, string | undefined>;
}

/** Resolves the configuration: defaults, then the INI file, then flag overrides. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<ServerConfig> {
  const fromFile = await readIniFile(options.configPath);
  const config = defaultConfig();
  applyValues(config, fromFile.values, fromFile.source);
  applyFlagValues(config, options.overrides ?? {});
  checkTlsOptions(config);
  checkListenerPorts(config);
  if (config.proxyProtocol && config.proxyFrom.length === 0) {
    throw new ConfigError(
      '"proxy_protocol" needs "proxy_from": the addresses of the load balancers whose PROXY ' +
        "headers are believed (e.g. proxy_from = 10.0.0.5, 10.0.1.0/24)",
    );
  }
  checkHttpPort(config);
  return config;
}

/**
 * Every listener of the server, by its config field and the flag (or key)
 * that sets it. Two listeners must never share a port: with SO_REUSEPORT
 * both would bind, and connections would land on either at random.
 */
export const LISTENER_PORTS: readonly (readonly [keyof ServerConfig, string])[] = [
  ["port", "--port"],
  ["plainPort", "plain_port"],
  ["ftpPort", "--ftp-port"],
  ["httpPort", "--http-port"],
  ["sftpPort", "--sftp-port"],
];

/** Refuses two listeners on one port (0, any free port, may repeat). */
function checkListenerPorts(config: ServerConfig): void {
  const seen = new Map<number, string>();
  for (const [field, name] of LISTENER_PORTS) {
    const port = config[field];
    if (typeof port !== "number" || port === 0) continue;
    const other = seen.get(port);
    if (other !== undefined) {
      throw new UsageError(
        `${other} and ${name} are both ${port}: give each listener a port of its own`,
      );
    }
    seen.set(port, name);
  }
}

/** Without TLS, HTTP serves only loopback unless `http_insecure`. */
function checkHttpPort(config: ServerConfig): void {
  if (config.httpPort === null) return;
  const loopback = config.host === "localhost" || config.host === "::1" ||
    config.host.startsWith("127.");
  if (config.tlsCert === null && !loopback && !config.httpInsecure) {
    throw new ConfigError(
      `HTTP without TLS on ${config.host} would send passwords and session cookies in clear: ` +
        'give tls_cert and tls_key, listen on 127.0.0.1, or set "http_insecure = true"',
    );
  }
}

/** Options that only make sense together. */
function checkTlsOptions(config: ServerConfig): void {
  if ((config.tlsCert === null) !== (config.tlsKey === null)) {
    throw new ConfigError(
      'TLS needs both "tls_cert" and "tls_key" (--tls-cert FILE --tls-key FILE)',
    );
  }
  if (config.plainPort !== null && config.tlsCert === null) {
    throw new ConfigError('"plain_port" is only for a server with TLS: without TLS, use "port"');
  }
}

/** The built-in defaults. */
export function defaultConfig(): ServerConfig {
  const entries = Object.entries(CONFIG_TABLE).map(([field, spec]) => [field, spec.default]);
  return Object.fromEntries(entries) as unknown as ServerConfig;
}

async function readIniFile(
  path: string | undefined,
): Promise<{ values: Record<string, string>; source: string }> {
  const chosen = path ?? DEFAULT_CONFIG_PATH;
  let content: string;
  try {
    content = await Deno.readTextFile(chosen);
  } catch (error) {
    if (path === undefined && error instanceof Deno.errors.NotFound) {
      return { values: {}, source: chosen };
    }
    const reason = error instanceof Deno.errors.NotFound ? "not found" : String(error);
    throw new ConfigError(`Cannot read config file "${chosen}": ${reason}`);
  }
  return { values: flattenIni(parseIni(content), chosen), source: chosen };
}

/** Accepts only top-level `key = value` pairs; the `ini` package's type guesses are undone. */
function flattenIni(parsed: Record<string, unknown>, source: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === "object" && value !== null) {
      throw new ConfigError(`${source}: sections are not supported ("[${key}]"); use plain keys`);
    }
    values[key] = String(value).trim();
  }
  return values;
}

const FIELD_BY_KEY = new Map(
  Object.entries(CONFIG_TABLE).map(([field, spec]) => [spec.key, field as keyof ServerConfig]),
);

/** Applies flag values; a bad one is a usage error naming the flag (`--log-level`), not the key. */
function applyFlagValues(config: ServerConfig, values: Record<string, string | undefined>): void {
  for (const [key, raw] of Object.entries(values)) {
    if (raw === undefined) continue;
    try {
      setOption(config, key, raw);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      throw new UsageError(
        `Invalid --${key.replaceAll("_", "-")} "${shown(key, raw)}": ${error.message}`,
      );
    }
  }
}

function applyValues(
  config: ServerConfig,
  values: Record<string, string | undefined>,
  source: string,
): void {
  for (const [key, raw] of Object.entries(values)) {
    if (raw === undefined) continue;
    if (!FIELD_BY_KEY.has(key)) throw new ConfigError(`${source}: unknown option "${key}"`);
    try {
      setOption(config, key, raw);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConfigError(
        `${source}: invalid value "${shown(key, raw)}" for "${key}": ${reason}`,
      );
    }
  }
}

/** A raw value as an error may quote it. */
function shown(key: string, raw: string): string {
  const field = FIELD_BY_KEY.get(key);
  const show = field === undefined ? undefined : (CONFIG_TABLE[field] as OptionSpec<unknown>).show;
  return show ? show(raw) : raw;
}

/**
 * The name this node goes by (in a shared database, in `who`): `node_id`,
 * else `HOSTNAME:PORT`; with port 0 (any free port), `HOSTNAME:pidPID`, so
 * two such nodes on one machine never share a name.
 */
export function nodeIdOf(config: ServerConfig): string {
  if (config.nodeId !== null) return config.nodeId;
  return `${Deno.hostname()}:${config.port === 0 ? `pid${Deno.pid}` : config.port}`;
}

/** The account database `config` names, and this node's name (for `Accounts.open`). */
export function storesOf(config: ServerConfig): { db: string | null; node: string } {
  return { db: config.db, node: nodeIdOf(config) };
}

/** Parses one option's value into `config`; a bad value throws with the reason. */
function setOption(config: ServerConfig, key: string, raw: string): void {
  const field = FIELD_BY_KEY.get(key);
  if (field === undefined) throw new TypeError(`Unknown option "${key}"`);
  const spec = CONFIG_TABLE[field] as OptionSpec<unknown>;
  (config as unknown as Record<string, unknown>)[field] = spec.parse(raw);
}
