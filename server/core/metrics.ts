/**
 * Counters every server thread adds to, for the Prometheus endpoint
 * (`fronts/http/metrics.ts`): one `SharedArrayBuffer` of 64-bit integers
 * made by the main thread and handed to each worker, so a scrape served by
 * any thread sees the whole server. Slots are laid out from a fixed table,
 * the same in every thread; updates are `Atomics.add`, never a lock.
 * Durations are kept in microseconds, bytes as they are.
 */

/** Fronts that get their own label; anything else counts as `other`. */
export const METRIC_PROTOCOLS = ["ftpx", "ftp", "http", "webdav", "sftp", "other"] as const;
/** A front's label value. */
export type MetricProtocol = (typeof METRIC_PROTOCOLS)[number];

/** Upper bounds of the operation latency histogram, in seconds. */
export const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5] as const;
/** Server threads that report event-loop lag (`workers` is at most 64). */
const THREADS = 64;

const P = METRIC_PROTOCOLS.length;
const B = LATENCY_BUCKETS.length + 1; // + the +Inf bucket
const LAYOUT = {
  loginsOk: 0,
  loginsFailed: 1,
  bans: 2,
  bytesIn: 3,
  bytesOut: 3 + P,
  inFlight: 3 + 2 * P,
  latencyCount: 3 + 3 * P,
  latencySumMicros: 3 + 4 * P,
  latencyBuckets: 3 + 5 * P,
  lagMicros: 3 + 5 * P + P * B,
} as const;
const SLOTS = LAYOUT.lagMicros + THREADS;

/** A fresh table for all threads; pass it to each with {@linkcode useMetricsTable}. */
export function metricsBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(SLOTS * BigInt64Array.BYTES_PER_ELEMENT);
}

let table = new BigInt64Array(metricsBuffer());

/** Makes this thread count into the shared `buffer`. */
export function useMetricsTable(buffer: SharedArrayBuffer): void {
  table = new BigInt64Array(buffer);
}

function add(slot: number, amount: number): void {
  Atomics.add(table, slot, BigInt(Math.round(amount)));
}

function read(slot: number): number {
  return Number(Atomics.load(table, slot));
}

/** The label of a session's `protocol` (undefined is the native protocol). */
export function metricProtocol(protocol: string | undefined): MetricProtocol {
  const name = protocol ?? "ftpx";
  return (METRIC_PROTOCOLS as readonly string[]).includes(name) ? name as MetricProtocol : "other";
}

/** Counts a login that succeeded (true) or failed. */
export function countLogin(ok: boolean): void {
  add(ok ? LAYOUT.loginsOk : LAYOUT.loginsFailed, 1);
}

/** Counts an address banned for failed logins. */
export function countBan(): void {
  add(LAYOUT.bans, 1);
}

/** Counts transfer bytes received (`in`) or sent (`out`) by a front. */
export function countBytes(protocol: string | undefined, direction: "in" | "out", bytes: number) {
  if (bytes <= 0) return;
  const base = direction === "in" ? LAYOUT.bytesIn : LAYOUT.bytesOut;
  add(base + METRIC_PROTOCOLS.indexOf(metricProtocol(protocol)), bytes);
}

/** A transfer started (+1) or ended (-1). */
export function countInFlight(protocol: string | undefined, delta: 1 | -1): void {
  add(LAYOUT.inFlight + METRIC_PROTOCOLS.indexOf(metricProtocol(protocol)), delta);
}

/** Records how long one operation (request) of a front took. */
export function observeLatency(protocol: string | undefined, seconds: number): void {
  const index = METRIC_PROTOCOLS.indexOf(metricProtocol(protocol));
  add(LAYOUT.latencyCount + index, 1);
  add(LAYOUT.latencySumMicros + index, seconds * 1e6);
  let bucket = LATENCY_BUCKETS.findIndex((bound) => seconds <= bound);
  if (bucket === -1) bucket = LATENCY_BUCKETS.length;
  add(LAYOUT.latencyBuckets + index * B + bucket, 1);
}

/** Stores the latest event-loop lag measured on server thread `thread`. */
export function setEventLoopLag(thread: number, seconds: number): void {
  if (thread < 0 || thread >= THREADS) return;
  Atomics.store(table, LAYOUT.lagMicros + thread, BigInt(Math.round(seconds * 1e6)));
}

/** A snapshot of every counter, for an exporter. */
export interface MetricsSnapshot {
  loginsOk: number;
  loginsFailed: number;
  bans: number;
  bytesIn: Record<MetricProtocol, number>;
  bytesOut: Record<MetricProtocol, number>;
  inFlight: Record<MetricProtocol, number>;
  latency: Record<MetricProtocol, { count: number; sum: number; buckets: number[] }>;
  /** The largest lag any thread saw in its last measurement, in seconds. */
  eventLoopLag: number;
}

/** Reads every counter now. */
export function metricsSnapshot(): MetricsSnapshot {
  const perProtocol = (base: number) =>
    Object.fromEntries(METRIC_PROTOCOLS.map((name, index) => [name, read(base + index)])) as Record<
      MetricProtocol,
      number
    >;
  const latency = Object.fromEntries(METRIC_PROTOCOLS.map((name, index) => {
    const buckets = Array.from(
      { length: B },
      (_, bucket) => read(LAYOUT.latencyBuckets + index * B + bucket),
    );
    return [name, {
      count: read(LAYOUT.latencyCount + index),
      sum: read(LAYOUT.latencySumMicros + index) / 1e6,
      buckets,
    }];
  })) as MetricsSnapshot["latency"];
  let lag = 0;
  for (let thread = 0; thread < THREADS; thread++) {
    lag = Math.max(lag, read(LAYOUT.lagMicros + thread));
  }
  return {
    loginsOk: read(LAYOUT.loginsOk),
    loginsFailed: read(LAYOUT.loginsFailed),
    bans: read(LAYOUT.bans),
    bytesIn: perProtocol(LAYOUT.bytesIn),
    bytesOut: perProtocol(LAYOUT.bytesOut),
    inFlight: perProtocol(LAYOUT.inFlight),
    latency,
    eventLoopLag: lag / 1e6,
  };
}

/** How often a thread measures its event-loop lag. */
const LAG_INTERVAL_MS = 500;

/** Measures this thread's event-loop lag (how late a timer fires) twice a second. */
export function watchEventLoopLag(thread: number): void {
  let expected = performance.now() + LAG_INTERVAL_MS;
  const timer = setInterval(() => {
    const now = performance.now();
    setEventLoopLag(thread, Math.max(0, now - expected) / 1000);
    expected = now + LAG_INTERVAL_MS;
  }, LAG_INTERVAL_MS);
  Deno.unrefTimer(timer);
}
