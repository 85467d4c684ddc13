/**
 * Large listings, streamed a batch at a time by every front: a directory
 * of 3,000 entries (past the point where a listing is "large" and holds a
 * share of the listing budget; names that need escaping in JSON and XML)
 * arrives whole and in order over the native protocol (as a reply body),
 * FTP's MLSD and NLST, the web client's JSON, WebDAV's PROPFIND and
 * OpenSSH's sftp; STAT, which builds its reply whole on the control
 * connection, refuses it and names what to use instead.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { epsvPort, RawFtpClient, readAll } from "./_ftp.ts";
import { WebClient } from "./_http.ts";
import { sftpBatch, type SftpTestServer, startSftpServer } from "./_sftp.ts";
import { tempDir } from "./_spawn.ts";
import { WireClient } from "./_wire_client.ts";

const PASSWORD = "alice-password-1";
const ENTRIES = 3000;

/** What the directory holds: name -> size (-1 for a directory). */
function expectedEntries(): Map<string, number> {
  const entries = new Map<string, number>();
  for (let index = 0; index < ENTRIES; index++) {
    const odd = ['say "hi"', "a&b<c>", "caf\u00e9", "tab\tname", "back\\slash"][index % 5];
    const name = index % 10 === 0 ? `dir-${index}` : `${odd} ${index}.txt`;
    entries.set(name, index % 10 === 0 ? -1 : index % 97);
  }
  return entries;
}

async function serverWithBigDirectory(): Promise<SftpTestServer> {
  const server = await startSftpServer({ args: ["--ftp-port", "0", "--http-port", "0"] });
  await server.addUser("alice", PASSWORD);
  const big = join(server.home("alice"), "big");
  await Deno.mkdir(big);
  for (const [name, size] of expectedEntries()) {
    if (size < 0) await Deno.mkdir(join(big, name));
    else await Deno.writeFile(join(big, name), new Uint8Array(size));
  }
  return server;
}

/** The expected names in the order every listing gives them. */
const SORTED_NAMES = [...expectedEntries().keys()].sort();

Deno.test("a 3,000-entry listing arrives whole and sorted over every front", async (t) => {
  await using server = await serverWithBigDirectory();
  const expected = expectedEntries();

  await t.step("native ls: the entries as the reply's JSON body", async () => {
    using client = await WireClient.open(server.port, { user: "alice", password: PASSWORD });
    const reply = await client.request("ls", { path: "/big" });
    assert.equal(reply.status, 200, reply.message);
    assert.equal(reply.count, ENTRIES);
    const body = await client.readBody();
    assert.equal(body.length, reply.body, "the body is as long as the header said");
    const entries: { name: string; type: string; size: number }[] = JSON.parse(
      new TextDecoder().decode(body),
    );
    assert.deepEqual(entries.map((entry) => entry.name), SORTED_NAMES);
    for (const entry of entries) {
      const size = expected.get(entry.name)!;
      assert.equal(entry.type, size < 0 ? "dir" : "file", entry.name);
      if (size >= 0) assert.equal(entry.size, size, entry.name);
    }
    // The session goes on after a streamed body.
    assert.equal((await client.request("pwd")).status, 200);
  });

  await t.step("FTP MLSD and NLST over a data connection", async () => {
    const { client } = await RawFtpClient.connect(server.ftpPort!);
    await using _client = client;
    assert.match(await client.command("USER alice"), /^331/);
    assert.match(await client.command(`PASS ${PASSWORD}`), /^230/);
    const listOver = async (command: string) => {
      const data = await Deno.connect({
        hostname: "127.0.0.1",
        port: epsvPort(await client.command("EPSV")),
      });
      assert.match(await client.command(command), /^150/);
      const text = await readAll(data);
      assert.match(await client.readReply(), /^226/);
      return text.split("\r\n").slice(0, -1);
    };
    // FTP shows control characters in names as `?`.
    const shown = SORTED_NAMES.map((name) => name.replace("\t", "?"));
    const facts = await listOver("MLSD /big");
    assert.deepEqual(facts.map((line) => line.slice(line.indexOf(" ") + 1)), shown);
    const sized = facts.find((line) => line.endsWith(" caf\u00e9 2.txt"))!;
    assert.match(sized, /(^|;)size=2;/);
    assert.deepEqual(await listOver("NLST /big"), shown);
  });

  await t.step("FTP STAT of the directory is refused: its reply would be built whole", async () => {
    const { client } = await RawFtpClient.connect(server.ftpPort!);
    await using _client = client;
    await client.command("USER alice");
    await client.command(`PASS ${PASSWORD}`);
    assert.match(
      await client.command("STAT /big"),
      /^5\d\d .*at most 2000 entries.*use LIST or MLSD/,
    );
    assert.match(await client.command("STAT /big/dir-0"), /^213/, "a small directory still works");
  });

  await t.step("web client: /api/list", async () => {
    const web = new WebClient(`http://127.0.0.1:${server.httpPort}`);
    assert.equal((await web.login("alice", PASSWORD)).status, 200);
    const answer = await web.get(`/api/list?path=${encodeURIComponent("/big")}`);
    assert.equal(answer.status, 200);
    assert.equal(answer.body.path, "/big");
    assert.equal(typeof answer.body.usage.used, "number");
    assert.deepEqual(
      answer.body.entries.map((entry: { name: string }) => entry.name),
      SORTED_NAMES,
    );
  });

  await t.step("WebDAV PROPFIND Depth 1: the collection, then every entry", async () => {
    const response = await fetch(`http://127.0.0.1:${server.httpPort}/dav/big/`, {
      method: "PROPFIND",
      headers: { depth: "1", authorization: `Basic ${btoa(`alice:${PASSWORD}`)}` },
    });
    assert.equal(response.status, 207);
    const xml = await response.text();
    assert.ok(xml.endsWith("</D:multistatus>\n"), "the document is complete");
    const names = [...xml.matchAll(/<D:displayname>(.*?)<\/D:displayname>/g)].map((match) =>
      match[1]!.replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code)))
    );
    assert.deepEqual(names, ["big", ...SORTED_NAMES]);
  });

  await t.step("OpenSSH sftp ls", async () => {
    await using dir = await tempDir("ftpx-listing-sftp-");
    const result = await sftpBatch(server, "alice", { password: PASSWORD }, "ls -1 /big\n", {
      cwd: dir.path,
    });
    assert.equal(result.code, 0, result.stderr);
    const listed = result.stdout.split("\n").filter((line) => line.startsWith("/big/"));
    assert.deepEqual(
      listed.map((line) => line.slice("/big/".length)).sort(),
      SORTED_NAMES,
    );
  });
});
