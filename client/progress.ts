/**
 * Transfer progress on standard error. On a terminal (and without
 * `NO_COLOR`): one line redrawn at most 10 times a second with name,
 * percent, bytes done/total, rate and ETA, cleared at the end. Either way
 * one summary line per file when it finishes: size, time, rate, and where a
 * resumed transfer started.
 */

import { formatSize } from "../protocol/size.ts";
import { fitToWidth } from "./display_width.ts";
import { safeName } from "./format.ts";

const REDRAW_MS = 100;
const encoder = new TextEncoder();

/** Where progress goes; the default is the process's standard error. */
export interface ProgressOutput {
  /** True when a live bar may be drawn. */
  live: boolean;
  /** Writes raw text (the bar). */
  write(text: string): void;
  /** Prints one line (the summary). */
  line(text: string): void;
  /** Width of the terminal; default: asked of standard error's console. */
  columns?: () => number;
}

/** Standard error: live when it is a terminal and NO_COLOR is unset. */
export function stderrProgressOutput(line: (text: string) => void): ProgressOutput {
  return {
    live: Deno.stderr.isTerminal() && !Deno.env.get("NO_COLOR"),
    write: (text) => {
      Deno.stderr.writeSync(encoder.encode(text));
    },
    line,
  };
}

/** What a transfer reports. */
export interface ProgressOptions {
  /** `get` or `put`. */
  verb: string;
  /** File name shown. */
  name: string;
  /** Full size of the file. */
  total: number;
  /** Bytes already there before this transfer (a resume). */
  start: number;
  /** Milliseconds clock; default `performance.now` (tests pass their own). */
  clock?: () => number;
}

/** Progress of one file transfer. */
export class Progress {
  readonly #output: ProgressOutput;
  readonly #options: ProgressOptions;
  readonly #clock: () => number;
  readonly #began: number;
  #drawnAt = 0;
  #drawn = false;
  #done: number;

  /** Starts reporting. */
  constructor(output: ProgressOutput, options: ProgressOptions) {
    this.#output = output;
    this.#options = options;
    this.#done = options.start;
    this.#clock = options.clock ?? (() => performance.now());
    this.#began = this.#clock();
  }

  /** Records that the file now has `position` bytes. */
  update(position: number): void {
    this.#done = position;
    if (!this.#output.live) return;
    const now = this.#clock();
    if (this.#drawn && now - this.#drawnAt < REDRAW_MS) return;
    this.#drawnAt = now;
    this.#drawn = true;
    this.#output.write(`\r\x1b[2K${this.#barText(now)}`);
  }

  /** Clears the bar and prints the summary line. */
  finish(): void {
    this.#clear();
    this.#output.line(this.summary());
  }

  /** Clears the bar without a summary (the transfer failed; its error follows). */
  abandon(): void {
    this.#clear();
  }

  /**
   * e.g. `get big.iso: 1G in 0.9s (1.1G/s)`; resumed, the time and rate are
   * those of the bytes moved, and it says how many were:
   * `get big.iso: 1G in 0.5s (1.2G/s), resumed at 400M (624M moved)`.
   */
  summary(): string {
    const { verb, name, start, total } = this.#options;
    const seconds = (this.#clock() - this.#began) / 1000;
    const moved = this.#done - start;
    const resumed = start > 0
      ? `, resumed at ${formatSize(start)} (${formatSize(moved)} moved)`
      : "";
    const time = seconds < 10 ? seconds.toFixed(2) : seconds.toFixed(1);
    return `${verb} ${safeName(name)}: ${formatSize(total)} in ${time}s (${
      formatRate(moved, seconds)
    })${resumed}`;
  }

  #barText(now: number): string {
    const { name, total, start } = this.#options;
    const seconds = (now - this.#began) / 1000;
    const rate = seconds > 0 ? (this.#done - start) / seconds : 0;
    const percent = total > 0 ? Math.floor((this.#done / total) * 100) : 100;
    const eta = rate > 0 ? formatDuration((total - this.#done) / rate) : "--:--";
    const columns = (this.#output.columns ?? terminalColumns)();
    const stats = ` ${String(percent).padStart(3)}% ${formatSize(this.#done)}/${
      formatSize(total)
    } ${formatRate(this.#done - start, seconds)} ETA ${eta}`;
    // Counted in columns, not code units: a wide name must not wrap the line (\r then
    // returns to the second row only, and the next redraw leaves the first one behind).
    const room = Math.max(8, columns - stats.length - 1);
    return fitToWidth(safeName(name), room) + stats;
  }

  #clear(): void {
    if (this.#drawn) this.#output.write("\r\x1b[2K");
    this.#drawn = false;
  }
}

/** `1.1G/s`, or `-` before any time has passed. */
export function formatRate(bytes: number, seconds: number): string {
  if (seconds <= 0) return "-";
  return `${formatSize(Math.round(bytes / seconds))}/s`;
}

/** `m:ss` or `h:mm:ss`. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

function terminalColumns(): number {
  try {
    return Deno.consoleSize().columns;
  } catch {
    return 80;
  }
}
