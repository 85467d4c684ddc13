/**
 * The HTTP front beside a static-file anchor, in one run on loopback:
 * a download and an upload of one file with curl through ftpx's WebDAV
 * (`GET`/`PUT /dav/...`, Basic auth), the same through a bare `Deno.serve`
 * file server (the anchor: `file.readable` as the response, the request
 * body piped into a file), and a WebDAV `PROPFIND` (Depth 1) of a
 * 2,000-entry directory. Prints medians and each ftpx figure as a ratio to
 * the anchor.
 *
 * Usage: deno task bench:http [--size 1G] [--runs 3] [--dir /tmp]
 */

import { parseArgs } from "node:util";
import { join } from "node:path";
import { parseSize } from "../protocol/size.ts";
import { tempDir, TestServer } from "../tests/_spawn.ts";
import { mbPerSecond, median, writeTestFile } from "./_lib.ts";

const USER = "bench";
const PASSWORD = "bench-http-secret";
const LIST_ENTRIES = 2000;

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "1G" },
    runs: { type: "string", default: "3" },
    dir: { type: "string", default: "/tmp" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log("Usage: deno task bench:http [--size 1G] [--runs 3] [--dir /tmp]");
  Deno.exit(0);
}
const size = parseSize(values.size);
const runs = Number(values.runs);

/** The anchor: a bare Deno file server on loopback (GET streams the file, PUT writes one). */
function startAnchor(root: string): { port: number; close(): Promise<void> } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const path = join(root, new URL(request.url).pathname.slice(1));
    if (request.method === "PUT") {
      const file = await Deno.open(path, { write: true, create: true, truncate: true });
      await request.body!.pipeTo(file.writable);
      return new Response(null, { status: 201 });
    }
    const file = await Deno.open(path, { read: true });
    const { size } = await file.stat();
    return new Response(file.readable, { headers: { "content-length": String(size) } });
  });
  return { port: server.addr.port, close: () => server.shutdown() };
}

/** One curl transfer; returns MB/s over the transfer (pretransfer to end). */
async function curl(args: string[], bytes: number): Promise<number> {
  const output = await new Deno.Command("curl", {
    args: [
      "--silent",
      "--show-error",
      "--fail",
      "--write-out",
      "%{size_download} %{size_upload} %{time_pretransfer} %{time_total}",
      ...args,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const [down = 0, up = 0, start = 0, end = 0] = new TextDecoder().decode(output.stdout).trim()
    .split(/\s+/).map(Number);
  if (!output.success || Math.max(down, up) !== bytes) {
    throw new Error(`curl ${args.join(" ")} failed: ${new TextDecoder().decode(output.stderr)}`);
  }
  return mbPerSecond(bytes, end - start);
}

/** Milliseconds of one PROPFIND Depth 1 through curl (median of `rounds`). */
async function propfindMs(url: string, rounds: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const output = await new Deno.Command("curl", {
      args: [
        "--silent",
        "--fail",
        "-o",
        "/dev/null",
        "-X",
        "PROPFIND",
        "-H",
        "Depth: 1",
        "-u",
        `${USER}:${PASSWORD}`,
        "--write-out",
        "%{time_pretransfer} %{time_total}",
        url,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!output.success) throw new Error(new TextDecoder().decode(output.stderr));
    const [start = 0, end = 0] = new TextDecoder().decode(output.stdout).split(" ").map(Number);
    times.push((end - start) * 1000);
  }
  return median(times);
}

async function main(): Promise<void> {
  await using work = await tempDir("ftpx-bench-http-");
  const root = join(values.dir, `ftpx-bench-http-${crypto.randomUUID().slice(0, 8)}`);
  await Deno.mkdir(root);
  try {
    console.log(
      `ftpx bench:http: ${values.size} file, median of ${runs} run(s), loopback, ` +
        `${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}, in ${root}`,
    );
    const source = join(root, "big.bin");
    await writeTestFile(source, size);
    await using server = await TestServer.start({
      dataDir: join(work.path, "data"),
      args: ["--http-port", "0", "--log-level", "warn"],
    });
    await server.addUser(USER, PASSWORD);
    const home = server.home(USER);
    await Deno.link(source, join(home, "big.bin")).catch(() =>
      Deno.copyFile(source, join(home, "big.bin"))
    );
    await Deno.mkdir(join(home, "listing"));
    for (let i = 0; i < LIST_ENTRIES; i++) {
      await Deno.writeFile(
        join(home, "listing", `file-${String(i).padStart(5, "0")}.txt`),
        new Uint8Array(i % 97),
      );
    }
    const anchor = startAnchor(root);
    const dav = `http://${USER}:${PASSWORD}@127.0.0.1:${server.httpPort}/dav`;
    const results: Record<string, number[]> = {};
    const record = (name: string, value: number) => (results[name] ??= []).push(value);
    try {
      for (let run = 1; run <= runs; run++) {
        Deno.stdout.writeSync(new TextEncoder().encode(`run ${run}/${runs}...\r`));
        record(
          "anchorGet",
          await curl(["-o", "/dev/null", `http://127.0.0.1:${anchor.port}/big.bin`], size),
        );
        record("ftpxGet", await curl(["-o", "/dev/null", `${dav}/big.bin`], size));
        record(
          "anchorPut",
          await curl(["-T", source, `http://127.0.0.1:${anchor.port}/up.bin`], size),
        );
        await Deno.remove(join(root, "up.bin"));
        record("ftpxPut", await curl(["-T", source, `${dav}/up.bin`], size));
        await Deno.remove(join(home, "up.bin"));
      }
      const listing = await propfindMs(`http://127.0.0.1:${server.httpPort}/dav/listing/`, 10);
      const m = (name: string) => median(results[name]!);
      const row = (label: string, value: string, ratio = "") =>
        console.log(`${label.padEnd(44)} ${value.padStart(12)}${ratio}`);
      console.log("".padEnd(40));
      row("anchor download (Deno.serve, curl)", `${m("anchorGet").toFixed(0)} MB/s`);
      row(
        "ftpx download (WebDAV GET, curl)",
        `${m("ftpxGet").toFixed(0)} MB/s`,
        `  ${((m("ftpxGet") / m("anchorGet")) * 100).toFixed(0)}% of the anchor`,
      );
      row("anchor upload (Deno.serve, curl -T)", `${m("anchorPut").toFixed(0)} MB/s`);
      row(
        "ftpx upload (WebDAV PUT, atomic, quota)",
        `${m("ftpxPut").toFixed(0)} MB/s`,
        `  ${((m("ftpxPut") / m("anchorPut")) * 100).toFixed(0)}% of the anchor`,
      );
      row(`PROPFIND Depth 1 of ${LIST_ENTRIES} entries`, `${listing.toFixed(1)} ms`);
    } finally {
      await anchor.close();
    }
  } finally {
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
}

await main();
