import assert from "node:assert/strict";
import { join } from "node:path";
import { type ResumeRecord, ResumeStore } from "./resume_store.ts";

function record(local: string, fields: Partial<ResumeRecord> = {}): ResumeRecord {
  return {
    server: "127.0.0.1:2121",
    user: "alice",
    remote: '/dir/a b=c;d#e "q" [x].bin',
    local,
    size: 5 * 2 ** 30,
    mtime: 1_700_000_000_123,
    tag: "0123456789abcdef",
    started: 1,
    ...fields,
  };
}

Deno.test("ResumeStore keeps any number of records per server and user, round-tripping odd names", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const store = new ResumeStore(join(dir, "nested", "resume.ini"));
    assert.deepEqual(await store.list("127.0.0.1:2121", "alice"), []);
    const records = [
      record("/tmp/one ;x.bin", { started: 3 }),
      record("/tmp/two=2", { started: 1, tag: "true" }),
      record("/tmp/\u00fc [3]", { started: 2, remote: "/123" }),
    ];
    for (const each of records) assert.equal(await store.save(each), true);
    await store.save(record("/tmp/other", { user: "bob" }));
    await store.save(record("/tmp/elsewhere", { server: "127.0.0.1:9" }));
    const listed = await store.list("127.0.0.1:2121", "alice");
    assert.deepEqual(listed, [records[1], records[2], records[0]]);
    assert.deepEqual(await store.find("127.0.0.1:2121", "alice", "/tmp/two=2"), records[1]);
    await store.remove("127.0.0.1:2121", "alice", "/tmp/two=2");
    assert.equal((await store.list("127.0.0.1:2121", "alice")).length, 2);
    assert.equal((await Deno.stat(store.path)).mode! & 0o777, 0o600);
    const leftovers = (await Array.fromAsync(Deno.readDir(join(dir, "nested")))).map((e) => e.name);
    assert.deepEqual(
      leftovers.sort(),
      ["resume.ini", "resume.ini.lock"],
      "no temporary file left behind",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ResumeStore ignores malformed sections and refuses names with control characters", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const store = new ResumeStore(join(dir, "resume.ini"));
    await Deno.writeTextFile(
      store.path,
      "[download-1]\nserver=x\nuser=alice\nremote=/a\nlocal=/b\nsize=-4\nmtime=1\ntag=t\nstarted=1\n" +
        "[download-2]\nserver=x\nuser=alice\n[other]\nkey=1\n",
    );
    assert.deepEqual(await store.list("x", "alice"), []);
    assert.equal(await store.save(record("/tmp/new\nline")), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ResumeStore loses no record when many clients save and remove at once", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "resume.ini");
    // One store per client, as separate `ftpx connect` processes would have.
    const locals = Array.from({ length: 24 }, (_, i) => `/tmp/file${i}.bin`);
    await Promise.all(locals.map((local) => new ResumeStore(path).save(record(local))));
    assert.equal((await new ResumeStore(path).list("127.0.0.1:2121", "alice")).length, 24);
    const [gone, kept] = [locals.slice(0, 12), locals.slice(12)];
    await Promise.all([
      ...gone.map((local) => new ResumeStore(path).remove("127.0.0.1:2121", "alice", local)),
      ...kept.map((local) => new ResumeStore(path).save(record(local, { started: 2 }))),
    ]);
    const listed = await new ResumeStore(path).list("127.0.0.1:2121", "alice");
    assert.deepEqual(listed.map((each) => each.local).sort(), kept.sort());
    assert.ok(listed.every((each) => each.started === 2));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
