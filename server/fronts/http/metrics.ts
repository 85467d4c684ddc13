/**
 * The Prometheus text exposition (format 0.0.4) of the server's metrics:
 * live sessions by front (from the session registry, so every thread and
 * node of a shared database), and the counters all threads keep in
 * `core/metrics.ts`. A dozen lines of formatting: no client library needed.
 */

import {
  LATENCY_BUCKETS,
  METRIC_PROTOCOLS,
  metricProtocol,
  metricsSnapshot,
} from "../../core/metrics.ts";
import type { Services } from "../../core/services.ts";

/** The metrics page. */
export async function renderMetrics(services: Services): Promise<string> {
  const lines: string[] = [];
  const family = (name: string, type: string, help: string) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  const sessions = Object.fromEntries(METRIC_PROTOCOLS.map((name) => [name, 0]));
  for (const session of await services.sessions.list()) {
    sessions[metricProtocol(session.protocol)]! += 1;
  }
  const snapshot = metricsSnapshot();
  family("ftpx_sessions", "gauge", "Live sessions, by front");
  for (const name of METRIC_PROTOCOLS) {
    lines.push(`ftpx_sessions{protocol="${name}"} ${sessions[name]}`);
  }
  family("ftpx_logins_total", "counter", "Login attempts checked, by result");
  lines.push(`ftpx_logins_total{result="ok"} ${snapshot.loginsOk}`);
  lines.push(`ftpx_logins_total{result="failed"} ${snapshot.loginsFailed}`);
  family("ftpx_login_bans_total", "counter", "Client addresses banned for failed logins");
  lines.push(`ftpx_login_bans_total ${snapshot.bans}`);
  family("ftpx_transfer_bytes_total", "counter", "File bytes moved, by front and direction");
  for (const name of METRIC_PROTOCOLS) {
    lines.push(
      `ftpx_transfer_bytes_total{protocol="${name}",direction="in"} ${snapshot.bytesIn[name]}`,
    );
    lines.push(
      `ftpx_transfer_bytes_total{protocol="${name}",direction="out"} ${snapshot.bytesOut[name]}`,
    );
  }
  family("ftpx_transfers_in_flight", "gauge", "Transfers running now, by front");
  for (const name of METRIC_PROTOCOLS) {
    lines.push(`ftpx_transfers_in_flight{protocol="${name}"} ${snapshot.inFlight[name]}`);
  }
  family("ftpx_request_duration_seconds", "histogram", "Time to answer one request, by front");
  for (const name of METRIC_PROTOCOLS) {
    const { count, sum, buckets } = snapshot.latency[name];
    let cumulative = 0;
    LATENCY_BUCKETS.forEach((bound, index) => {
      cumulative += buckets[index]!;
      lines.push(
        `ftpx_request_duration_seconds_bucket{protocol="${name}",le="${bound}"} ${cumulative}`,
      );
    });
    cumulative += buckets[LATENCY_BUCKETS.length]!;
    lines.push(`ftpx_request_duration_seconds_bucket{protocol="${name}",le="+Inf"} ${cumulative}`);
    lines.push(`ftpx_request_duration_seconds_sum{protocol="${name}"} ${sum}`);
    lines.push(`ftpx_request_duration_seconds_count{protocol="${name}"} ${count}`);
  }
  family(
    "ftpx_event_loop_lag_seconds",
    "gauge",
    "Largest event-loop lag of a server thread, last measured",
  );
  lines.push(`ftpx_event_loop_lag_seconds ${snapshot.eventLoopLag}`);
  return lines.join("\n") + "\n";
}
