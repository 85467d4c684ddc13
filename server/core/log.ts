/**
 * Session event logging: one line per event on standard error, with a
 * timestamp, level, event and `key=value` fields. Callers never pass secrets.
 */

/** Log levels, from most to least verbose. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

/** One of {@linkcode LOG_LEVELS}. */
export type LogLevel = typeof LOG_LEVELS[number];

/** Structured fields of a log line. */
export type LogFields = Record<string, string | number | boolean | undefined | null>;

const encoder = new TextEncoder();

/** Writes log lines at or above a threshold level. */
export class Logger {
  #threshold: number;
  #write: (line: string) => void;

  /** Creates a logger; `write` defaults to standard error. */
  constructor(level: LogLevel, write: (line: string) => void = writeStderrLine) {
    this.#threshold = LOG_LEVELS.indexOf(level);
    this.#write = write;
  }

  /** Logs at debug level. */
  debug(event: string, fields: LogFields = {}): void {
    this.#log(0, event, fields);
  }

  /** Logs at info level. */
  info(event: string, fields: LogFields = {}): void {
    this.#log(1, event, fields);
  }

  /** Logs at warn level. */
  warn(event: string, fields: LogFields = {}): void {
    this.#log(2, event, fields);
  }

  /** Logs at error level. */
  error(event: string, fields: LogFields = {}): void {
    this.#log(3, event, fields);
  }

  #log(level: number, event: string, fields: LogFields): void {
    if (level < this.#threshold) return;
    this.#write(formatLogLine(LOG_LEVELS[level]!, event, fields));
  }
}

/** Formats one line: `2026-01-02T03:04:05.678Z info  login ok peer=127.0.0.1:5000 user=alice`. */
export function formatLogLine(level: LogLevel, event: string, fields: LogFields): string {
  let line = `${new Date().toISOString()} ${level.padEnd(5)} ${event}`;
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    line += ` ${key}=${formatValue(value)}`;
  }
  return line;
}

/** Quotes values with spaces, quotes or control characters, so a client-chosen name can't forge a line. */
function formatValue(value: string | number | boolean): string {
  const text = String(value);
  // deno-lint-ignore no-control-regex
  return /[\s"=\x00-\x1f\x7f]/.test(text) || text === "" ? JSON.stringify(text) : text;
}

function writeStderrLine(line: string): void {
  Deno.stderr.writeSync(encoder.encode(line + "\n"));
}
