/**
 * Path traversal through every FTP verb that takes a path (the verb registry
 * is walked, and every verb with an argument must be classified here, so a
 * new verb cannot slip past), with the symlinks of `_traversal.ts` planted in
 * the home. Nothing outside the home may be read, listed, created or
 * changed, and no reply or data connection may reveal it.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { VERBS } from "../server/fronts/ftp/verbs/mod.ts";
import { epsvPort, RawFtpClient, readAll, startFtpServer } from "./_ftp.ts";
import { HOSTILE_PATHS, SENTINEL, setUpTraversal } from "./_traversal.ts";

/** Verbs whose argument is (or ends with) a path, and how each is driven; the path comes last. */
const PATH_VERBS: Record<string, "control" | "download" | "upload" | "rename"> = {
  "MFMT 20200131120000": "control",
  CWD: "control",
  MKD: "control",
  RMD: "control",
  DELE: "control",
  RNFR: "control",
  RNTO: "rename",
  SIZE: "control",
  MDTM: "control",
  HASH: "control",
  MLST: "control",
  STAT: "control",
  LIST: "download",
  NLST: "download",
  MLSD: "download",
  RETR: "download",
  STOR: "upload",
  APPE: "upload",
};

/** Verbs with an argument that is not a path. */
const OTHER_VERBS = new Set([
  "USER",
  "PASS",
  // Only SITE CHMOD, which never touches its path.
  "SITE",
  "OPTS",
  "HELP",
  "AUTH",
  "PBSZ",
  "PROT",
  "TYPE",
  "MODE",
  "STRU",
  "ALLO",
  "REST",
  "PORT",
  "EPRT",
  "EPSV",
]);

Deno.test("every FTP verb classified: a new verb taking an argument must be added here", () => {
  for (const verb of new Set(VERBS.values())) {
    if (verb.arg === "none") continue;
    assert.ok(
      Object.keys(PATH_VERBS).some((key) => key.split(" ")[0] === verb.name) ||
        OTHER_VERBS.has(verb.name),
      `${verb.name} takes an argument: add it to PATH_VERBS or OTHER_VERBS`,
    );
  }
});

Deno.test("no FTP verb taking a path reaches outside the home, symlinks included", async () => {
  await using server = await startFtpServer();
  await server.addUser("alice", "alice-secret");
  const root = join(server.dataDir, "..");
  const aliceHome = server.home("alice");
  const { plantLinks, assertUntouched } = await setUpTraversal(
    server.dataDir,
    aliceHome,
    server.home("bob"),
  );

  await using raw = await RawFtpClient.connect(server.ftpPort).then((r) => r.client);
  assert.equal(await raw.command("USER alice"), "331 Password required");
  assert.equal(await raw.command("PASS alice-secret"), "230 Logged in as alice");
  for (const [verb, kind] of Object.entries(PATH_VERBS)) {
    for (const path of HOSTILE_PATHS) {
      // A fresh home each time, so names an earlier command created there (MKD /../../outside
      // makes /outside in the home) are not mistaken for what lies outside.
      for await (const entry of Deno.readDir(aliceHome)) {
        await Deno.remove(join(aliceHome, entry.name), { recursive: true });
      }
      await Deno.mkdir(join(aliceHome, "inside"));
      await Deno.writeTextFile(join(aliceHome, "inside", "mine.txt"), "alice's own");
      await plantLinks();
      assert.match(await raw.command("CWD /"), /^250 /);
      const texts = await drive(raw, kind, `${verb} ${path}`);
      const text = texts.join("\n");
      const context = `${verb} ${JSON.stringify(path)} -> ${JSON.stringify(texts)}`;
      assert.doesNotMatch(text, /^451 /m, context);
      assert.ok(!text.includes(SENTINEL) || path.includes(SENTINEL), `leaked a name: ${context}`);
      assert.ok(!text.includes(root), `leaked a real path: ${context}`);
      assert.ok(!text.includes("secret"), `leaked content: ${context}`);
    }
  }

  // Through a link, reading or writing is refused as outside the home.
  await plantLinks();
  for (
    const command of [
      "CWD link-out",
      "STAT link-bob",
      `SIZE link-out/${SENTINEL}`,
      `HASH link-bob/${SENTINEL}`,
      `MLST link-out/${SENTINEL}`,
      "MKD link-out/new-dir",
      "MKD dangling",
    ]
  ) {
    assert.match(await raw.command(command), /^550 .*(outside your home|broken symlink)/, command);
  }
  await assertUntouched();
});

/** Sends one command the way its kind needs; returns every reply and what the data connection carried. */
async function drive(
  raw: RawFtpClient,
  kind: "control" | "download" | "upload" | "rename",
  command: string,
): Promise<string[]> {
  if (kind === "control") return [await raw.command(command)];
  if (kind === "rename") {
    const from = await raw.command("RNFR inside/mine.txt");
    return [from, await raw.command(command)];
  }
  const data = await Deno.connect({
    hostname: "127.0.0.1",
    port: epsvPort(await raw.command("EPSV")),
  });
  try {
    const opening = await raw.command(command);
    if (!opening.startsWith("150")) return [opening];
    let carried = "";
    if (kind === "upload") {
      await data.write(new TextEncoder().encode("written by the attacker"));
      await data.closeWrite();
    } else {
      carried = await readAll(data);
    }
    return [opening, carried, await raw.readReply()];
  } finally {
    try {
      data.close();
    } catch {
      // Closed by readAll.
    }
  }
}
