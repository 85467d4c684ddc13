/**
 * Runs a real HAProxy for tests: a configuration written to a temporary
 * directory, `haproxy -f CFG -db` in the foreground (never the packaged
 * service), stopped by its PID. Ready once its monitor port answers HTTP
 * (`monitor-uri`): that frontend never reaches ftpx, so waiting for it
 * leaves no stray connection in the server's log.
 */

import { join } from "node:path";

/** A running HAProxy. */
export interface HaproxyServer extends AsyncDisposable {
  /** What it wrote to standard error so far (warnings, alerts). */
  readonly log: string;
  stop(): Promise<void>;
}

/** A free TCP port on `hostname` (bound and released; someone else may take it first). */
export function freePort(hostname = "127.0.0.1"): number {
  const probe = Deno.listen({ hostname, port: 0 });
  const port = probe.addr.port;
  probe.close();
  return port;
}

/**
 * `count` consecutive ports free on every one of `hostnames`, for a passive
 * range (tried from a few random starts).
 */
export function freePortRange(count: number, hostnames: string[]): number {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = 20000 + Math.floor(Math.random() * 30000);
    const held: Deno.Listener[] = [];
    try {
      for (let port = first; port < first + count; port++) {
        for (const hostname of hostnames) held.push(Deno.listen({ hostname, port }));
      }
      return first;
    } catch {
      // One is taken: another start.
    } finally {
      held.forEach((listener) => listener.close());
    }
  }
  throw new Error(`No ${count} consecutive free ports found`);
}

/** Starts HAProxy with `sections` (frontends, backends, listens) after test defaults. */
export async function startHaproxy(sections: string): Promise<HaproxyServer> {
  const dir = await Deno.makeTempDir({ prefix: "ftpx-haproxy-" });
  const monitor = freePort();
  const config = `global
  maxconn 2000

defaults
  mode tcp
  timeout connect 5s
  timeout client 120s
  timeout server 120s

frontend monitor
  mode http
  bind 127.0.0.1:${monitor}
  monitor-uri /ready

${sections}
`;
  const path = join(dir, "haproxy.cfg");
  await Deno.writeTextFile(path, config);
  const child = new Deno.Command("haproxy", {
    args: ["-f", path, "-db"],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let log = "";
  const draining = (async () => {
    for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) log += text;
  })();
  let exited = false;
  child.status.then(() => exited = true);
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already exited.
    }
    await child.status;
    await draining;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  // Ready when the monitor answers: bounded, each try an actual connection attempt.
  const deadline = Date.now() + 10_000;
  while (true) {
    if (exited) {
      await stop();
      throw new Error(`haproxy exited at start:\n${log}`);
    }
    const ready = await fetch(`http://127.0.0.1:${monitor}/ready`).then(
      async (response) => (await response.body?.cancel(), response.ok),
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`haproxy did not start within 10 s:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    get log() {
      return log;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
