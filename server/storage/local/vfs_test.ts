import assert from "node:assert/strict";
import type { FileReader } from "../mod.ts";
import { join } from "node:path";
import { MAX_NAME_BYTES, MAX_PATH_BYTES } from "../../../protocol/limits.ts";
import { type ErrorKind, OperationError } from "../../core/errors.ts";
import {
  baseName,
  byteLength,
  isReservedName,
  normalizeVirtualPath,
  parentPath,
  Vfs,
} from "./vfs.ts";

// ---------------------------------------------------------------------------
// normalizeVirtualPath: pure text, an adversarial corpus in the spirit of
// pyftpdlib's tests/test_filesystems.py.

/** [cwd, input, normalized path]: inputs that must normalize, and to what. */
const NORMALIZED: [string, string, string][] = [
  // The trivial cases.
  ["/", "", "/"],
  ["/", ".", "/"],
  ["/", "/", "/"],
  ["/a", "", "/a"],
  ["/a", ".", "/a"],
  ["/a", "b", "/a/b"],
  ["/a/b", "c/d", "/a/b/c/d"],
  // `..` never climbs above the home.
  ["/", "..", "/"],
  ["/", "../..", "/"],
  ["/", "../../../../../../../../..", "/"],
  ["/", "../../../../etc/passwd", "/etc/passwd"],
  ["/a/b", "..", "/a"],
  ["/a/b", "../c", "/a/c"],
  ["/a/b", "../../../..", "/"],
  ["/a/b", "../../../../x", "/x"],
  ["/", "a/b/../../..", "/"],
  ["/", "a/../../b", "/b"],
  ["/", "a/b/c/../../../../../d", "/d"],
  ["/a", "..//..//..", "/"],
  // Absolute paths are relative to the home, never to the server's root.
  ["/", "/../..", "/"],
  ["/", "/../../etc", "/etc"],
  ["/a/b", "/", "/"],
  ["/a/b", "/etc/passwd", "/etc/passwd"],
  ["/a", "/../../../home/other", "/home/other"],
  // Repeated separators and `.` names collapse; trailing separators go.
  ["/", "//", "/"],
  ["/", "///", "/"],
  ["/", "//etc//passwd", "/etc/passwd"],
  ["/", "a//b///c", "/a/b/c"],
  ["/", "./a/./b/.", "/a/b"],
  ["/", "././././", "/"],
  ["/", "a/", "/a"],
  ["/", "/a/b/", "/a/b"],
  ["/a", "./", "/a"],
  // `~` is the home; only as a whole first name.
  ["/x", "~", "/"],
  ["/x", "~/", "/"],
  ["/x", "~/docs", "/docs"],
  ["/x", "~/../..", "/"],
  ["/x", "~alice", "/x/~alice"],
  ["/x", "~root/.ssh", "/x/~root/.ssh"],
  ["/x", "a/~", "/x/a/~"],
  ["/x", "a~", "/x/a~"],
  // Names that merely look special are ordinary names.
  ["/", "...", "/..."],
  ["/", "....//....", "/..../...."],
  ["/", "..a", "/..a"],
  ["/", "a..", "/a.."],
  ["/", ". ", "/. "],
  ["/", " ..", "/ .."],
  ["/", " ", "/ "],
  ["/", "..%2f..%2fetc%2fpasswd", "/..%2f..%2fetc%2fpasswd"],
  ["/", "%2e%2e/%2e%2e", "/%2e%2e/%2e%2e"],
  ["/", "C:/Windows/system32", "/C:/Windows/system32"],
  ["/", "file:///etc/passwd", "/file:/etc/passwd"],
  ["/", "a\u2215..\u2215b", "/a\u2215..\u2215b"], // U+2215 DIVISION SLASH is not a separator
  ["/", "\uff0e\uff0e/x", "/\uff0e\uff0e/x"], // fullwidth dots are not `..`
  // Unicode names pass untouched (no normalization form is applied).
  ["/", "caf\u00e9/\u65e5\u672c\u8a9e", "/caf\u00e9/\u65e5\u672c\u8a9e"],
  ["/", "cafe\u0301", "/cafe\u0301"],
  ["/", "emoji \u{1f600}.txt", "/emoji \u{1f600}.txt"],
  ["/", "\u202eexe.txt", "/\u202eexe.txt"],
  // Lengths at the limits are accepted.
  ["/", "x".repeat(MAX_NAME_BYTES), "/" + "x".repeat(MAX_NAME_BYTES)],
  ["/", "\u00e9".repeat(MAX_NAME_BYTES / 2 - 0.5), "/" + "\u00e9".repeat(127)],
  // Names that contain, but do not start with, the reserved prefix.
  ["/", ".ftpx", "/.ftpx"],
  ["/", "ftpx-data", "/ftpx-data"],
  ["/", "a.ftpx-b", "/a.ftpx-b"],
  ["/", "x/.ftpx/y", "/x/.ftpx/y"],
];

/** [cwd, input, error kind]: inputs that must be refused, and how. */
const REFUSED: [string, string, ErrorKind][] = [
  // Backslashes are never separators, nor names.
  ["/", "..\\..\\etc", "bad_request"],
  ["/", "a\\b", "bad_request"],
  ["/", "\\", "bad_request"],
  ["/", "\\\\server\\share", "bad_request"],
  ["/", "C:\\Windows", "bad_request"],
  ["/", "/..\\/..\\", "bad_request"],
  // NUL and every other control character, wherever it is.
  ["/", "\0", "bad_request"],
  ["/", "a\0b", "bad_request"],
  ["/", "/etc/passwd\0.txt", "bad_request"],
  ["/", "a\0/../..", "bad_request"],
  ["/", "\x01", "bad_request"],
  ["/", "a\tb", "bad_request"],
  ["/", "\x1b[31mred", "bad_request"],
  ["/", "\x7f", "bad_request"],
  ["/", "\x1f", "bad_request"],
  // CR and LF, which could forge a reply or log line.
  ["/", "\r", "bad_request"],
  ["/", "\n", "bad_request"],
  ["/", "a\r\nb", "bad_request"],
  ["/", "x\r\n226 Transfer complete", "bad_request"],
  ["/", "name\n", "bad_request"],
  // Ill-formed UTF-16 (lone surrogates), which no file name can carry.
  ["/", "\ud800", "bad_request"],
  ["/", "a\udc00b", "bad_request"],
  ["/", "\udbff/x", "bad_request"],
  // Over-long names and paths.
  ["/", "x".repeat(MAX_NAME_BYTES + 1), "too_large"],
  ["/", "a/" + "x".repeat(MAX_NAME_BYTES + 1) + "/b", "too_large"],
  ["/", "\u00e9".repeat(128), "too_large"], // 256 bytes in UTF-8
  ["/", "\u{1f600}".repeat(64), "too_large"], // 256 bytes in UTF-8
  ["/", "a/".repeat(MAX_PATH_BYTES / 2 + 1), "too_large"],
  ["/", "../".repeat(MAX_PATH_BYTES / 3 + 1), "too_large"],
  ["/", "/".repeat(MAX_PATH_BYTES + 1), "too_large"],
  ["/" + "d/".repeat(2000) + "d", "x".repeat(200), "too_large"], // short input, long result
  // Names reserved for the server's own files, in any case, even if undone by `..`.
  ["/", ".ftpx-", "forbidden"],
  ["/", ".ftpx-upload.123", "forbidden"],
  ["/", "/a/.ftpx-part/b", "forbidden"],
  ["/", ".FTPX-upload", "forbidden"],
  ["/", ".Ftpx-x", "forbidden"],
  ["/", ".ftpx-x/..", "forbidden"],
  ["/", "~/.ftpx-x", "forbidden"],
  ["/.ftpx-never", "x", "forbidden"],
];

/** Reads an opened file to its end as text, and closes it. */
async function readText(file: FileReader): Promise<string> {
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(64 * 1024);
  let text = "";
  try {
    for (let count = await file.read(buffer); count !== null; count = await file.read(buffer)) {
      text += decoder.decode(buffer.subarray(0, count), { stream: true });
    }
  } finally {
    file.close();
  }
  return text + decoder.decode();
}

Deno.test("normalizeVirtualPath() maps adversarial inputs inside the home", () => {
  for (const [cwd, input, expected] of NORMALIZED) {
    assert.equal(normalizeVirtualPath(cwd, input), expected, `cwd ${cwd}, input ${input}`);
  }
});

Deno.test("normalizeVirtualPath() results are absolute and canonical", () => {
  for (const [cwd, input] of NORMALIZED) {
    const result = normalizeVirtualPath(cwd, input);
    const names = result.split("/").slice(1);
    assert.ok(result.startsWith("/"), result);
    assert.ok(result === "/" || !result.endsWith("/"), result);
    assert.ok(!result.includes("//"), result);
    assert.ok(result === "/" || names.every((n) => n !== "" && n !== "." && n !== ".."), result);
    // Normalizing twice changes nothing, from any directory.
    assert.equal(normalizeVirtualPath("/elsewhere", result), result);
  }
});

Deno.test("normalizeVirtualPath() refuses control characters, backslashes, huge and reserved names", () => {
  for (const [cwd, input, kind] of REFUSED) {
    const label = `cwd ${JSON.stringify(cwd.slice(0, 20))}, input ${JSON.stringify(input)}`;
    assert.throws(
      () => normalizeVirtualPath(cwd, input),
      (error: unknown) => error instanceof OperationError && error.kind === kind,
      label,
    );
  }
});

Deno.test("normalizeVirtualPath() messages never echo the offending input", () => {
  for (const [cwd, input] of REFUSED) {
    try {
      normalizeVirtualPath(cwd, input);
    } catch (error) {
      const message = (error as Error).message;
      // deno-lint-ignore no-control-regex
      assert.doesNotMatch(message, /[\x00-\x1f\x7f]/);
      assert.ok(message.length < 120, message);
    }
  }
});

Deno.test("isReservedName() matches the prefix in any case, and only as a prefix", () => {
  assert.ok(isReservedName(".ftpx-part"));
  assert.ok(isReservedName(".FTPX-part"));
  assert.ok(!isReservedName(".ftpx"));
  assert.ok(!isReservedName("x.ftpx-part"));
});

Deno.test("baseName() and parentPath() split normalized paths", () => {
  assert.equal(baseName("/"), "/");
  assert.equal(baseName("/a"), "a");
  assert.equal(baseName("/a/b c"), "b c");
  assert.equal(parentPath("/"), "/");
  assert.equal(parentPath("/a"), "/");
  assert.equal(parentPath("/a/b"), "/a");
});

// ---------------------------------------------------------------------------
// Vfs against a real directory tree with hostile symlinks.

/**
 * A scratch tree:
 *
 *   root/outside/secret.txt          a file no user may reach
 *   root/data/home/al/               the home under test
 *   root/data/home/alice/private.txt a sibling whose name extends the home's
 *   root/data-link -> data           the home reached through a symlink
 */
interface Tree extends AsyncDisposable {
  root: string;
  home: string;
  outside: string;
  alice: string;
}

async function makeTree(): Promise<Tree> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "ftpx-vfs-" }));
  const home = join(root, "data", "home", "al");
  const alice = join(root, "data", "home", "alice");
  const outside = join(root, "outside");
  for (const dir of [home, alice, outside, join(home, "docs")]) {
    await Deno.mkdir(dir, { recursive: true });
  }
  await Deno.writeTextFile(join(outside, "secret.txt"), "secret");
  await Deno.writeTextFile(join(alice, "private.txt"), "alice's");
  await Deno.writeTextFile(join(home, "docs", "a.txt"), "hello");
  await Deno.writeTextFile(join(home, ".ftpx-upload.1"), "partial");
  const links: [string, string][] = [
    ["in-file", "docs/a.txt"],
    ["in-dir", "docs"],
    ["in-abs", join(home, "docs")],
    ["out-file", "../../../outside/secret.txt"],
    ["out-dir", outside],
    ["out-root", "/"],
    ["out-parent", ".."],
    ["sibling", "../alice"],
    ["sibling-file", "../alice/private.txt"],
    ["dangling-out", join(outside, "not-yet")],
    ["dangling-in", "not-yet"],
    ["loop", "loop"],
    ["chain", "out-dir"],
  ];
  for (const [name, target] of links) await Deno.symlink(target, join(home, name));
  await Deno.symlink(join(root, "data"), join(root, "data-link"));
  return {
    root,
    home,
    outside,
    alice,
    async [Symbol.asyncDispose]() {
      await Deno.remove(root, { recursive: true });
    },
  };
}

/** Asserts `work` fails with an OperationError of `kind` whose message shows no real path. */
async function assertRefused(
  tree: Tree,
  work: () => Promise<unknown>,
  kind: ErrorKind,
  label: string,
): Promise<OperationError> {
  let caught: unknown;
  try {
    await work();
  } catch (error) {
    caught = error;
  }
  assert.ok(
    caught instanceof OperationError,
    `${label}: expected an OperationError, got ${caught}`,
  );
  assert.equal(caught.kind, kind, `${label}: ${caught.message}`);
  assert.ok(!caught.message.includes(tree.root), `${label} leaks a real path: ${caught.message}`);
  assert.ok(!caught.message.includes("/tmp"), `${label} leaks a real path: ${caught.message}`);
  return caught;
}

/** Every entry of a directory, recursively, as relative paths (to see nothing was created). */
async function treeListing(dir: string, prefix = ""): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    names.push(prefix + entry.name);
    if (entry.isDirectory) {
      names.push(...await treeListing(join(dir, entry.name), `${prefix}${entry.name}/`));
    }
  }
  return names.sort();
}

/** Paths whose every use must be refused as outside the home. */
const ESCAPES = [
  "/out-file",
  "/out-dir",
  "/out-dir/secret.txt",
  "/out-dir/new.txt",
  "/out-dir/new/deeper",
  "/out-root",
  "/out-root/etc/passwd",
  "/out-parent",
  "/out-parent/alice/private.txt",
  "/sibling",
  "/sibling/private.txt",
  "/sibling/new",
  "/sibling-file",
  "/chain",
  "/chain/secret.txt",
  // Beyond an outside link, nothing may be probed: a file, a missing name, a loop all look alike.
  "/out-file/x",
  "/out-root/etc/passwd/x",
  "/out-root/no-such-dir-ftpx/x",
  "/out-dir/secret.txt/x/y",
];

Deno.test("Vfs.resolve() maps paths inside the home to real paths", async () => {
  await using tree = await makeTree();
  const vfs = await Vfs.open(tree.home);
  assert.equal(await vfs.resolve("/"), tree.home);
  assert.equal(await vfs.resolve("/docs"), join(tree.home, "docs"));
  assert.equal(await vfs.resolve("/docs/a.txt"), join(tree.home, "docs", "a.txt"));
  assert.equal(await vfs.resolve("/new.txt"), join(tree.home, "new.txt"));
  assert.equal(await vfs.resolve("/docs/new/deeper"), join(tree.home, "docs", "new", "deeper"));
});

Deno.test("Vfs.resolve() follows symlinks that stay inside the home", async () => {
  await using tree = await makeTree();
  const vfs = await Vfs.open(tree.home);
  const a = join(tree.home, "docs", "a.txt");
  assert.equal(await vfs.resolve("/in-file"), a);
  assert.equal(await vfs.resolve("/in-dir"), join(tree.home, "docs"));
  assert.equal(await vfs.resolve("/in-dir/a.txt"), a);
  assert.equal(await vfs.resolve("/in-abs/a.txt"), a);
  assert.equal(await vfs.resolve("/in-dir/new.txt"), join(tree.home, "docs", "new.txt"));
});

Deno.test("Vfs.resolve() refuses symlinks leading outside, including to a sibling sharing the home's prefix", async () => {
  await using tree = await makeTree();
  const vfs = await Vfs.open(tree.home);
  for (const path of ESCAPES) {
    const error = await assertRefused(tree, () => vfs.resolve(path), "forbidden", path);
    // Always the first name that leads out, whatever lies beyond it.
    const firstName = path.split("/")[1];
    assert.equal(error.message, `Cannot access "/${firstName}": outside your home`, path);
  }
});

Deno.test("Vfs.resolve() refuses dangling symlinks, inside or out, and what lies beyond them", async () => {
  await using tree = await makeTree();
  const vfs = await Vfs.open(tree.home);
  for (const path of ["/dangling-out", "/dangling-in", "/dangling-out/x", "/dangling-in/x/y"]) {
    const error = await assertRefused(tree, () => vfs.resolve(path), "forbidden", path);
    assert.match(error.message, /broken symlink/, path);
  }
});

Deno.test("Vfs.resolve() refuses a symlink loop", async () => {
  await using tree = await makeTree();
  const vfs = await Vfs.open(tree.home);
  await assertRefused(tree, () => vfs.resolve("/loop"), "forbidden", "/loop");
  await assertRefused(tree, () => vfs.resolve("/loop/x"), "forbidden", "/loop/x");
});

Deno.test("Vfs.resolve() reports a path through a file as not a directory", async () => {
  await using tree = await makeTree();
  const vfs = await Vfs.open(tree.home);
  const error = await assertRefused(
    tree,
    () => vfs.resolve("/docs/a.txt/x"),
    "not_a_directory",
    "through a file",
  );
  assert.equal(error.message, 'Cannot open "/docs/a.txt/x": not a directory');
});

Deno.test("Vfs.resolve() and stat() answer alike for paths resolved moments ago (the synchronous fast path)", async () => {
  await using tree = await makeTree();
  const vfs = await Vfs.open(tree.home);
  const outcome = (work: () => Promise<unknown>) =>
    work().then((value) => JSON.stringify(value), (error) => `${error.name}: ${error.message}`);
  const paths = ["/", "/docs", "/docs/a.txt", "/in-file", "/in-dir/a.txt", "/missing", ...ESCAPES];
  for (const path of [...paths, "/dangling-in", "/loop", "/docs/a.txt/x"]) {
    const first = await outcome(() => vfs.resolve(path));
    for (let again = 0; again < 3; again++) {
      assert.equal(await outcome(() => vfs.resolve(path)), first, path);
    }
    const firstStat = await outcome(() => vfs.stat(path));
    assert.equal(await outcome(() => vfs.stat(path)), firstStat, path);
  }
});

Deno.test("Vfs.resolve() and stat() check symlinks at every depth, on paths walked name by name and on longer ones", async () => {
  await using tree = await makeTree();
  const vfs = await Vfs.open(tree.home);
  // Short paths are walked below the home with one lstat per name, longer ones resolved whole.
  const names = ["d1", "d2", "d3", "d4", "d5", "d6"];
  for (let depth = 1; depth <= names.length; depth++) {
    const dir = join(tree.home, ...names.slice(0, depth));
    await Deno.mkdir(dir);
    await Deno.writeTextFile(join(dir, "f.txt"), "x".repeat(depth));
    await Deno.symlink(tree.outside, join(dir, "out"));
    await Deno.symlink(join(tree.home, "docs"), join(dir, "in"));
  }
  for (let depth = 1; depth <= names.length; depth++) {
    const dir = "/" + names.slice(0, depth).join("/");
    const real = join(tree.home, ...names.slice(0, depth));
    // Twice: the second time the paths are hot and resolved synchronously.
    for (let again = 0; again < 2; again++) {
      assert.equal(await vfs.resolve(`${dir}/f.txt`), join(real, "f.txt"));
      assert.equal((await vfs.stat(`${dir}/f.txt`)).size, depth);
      await assertRefused(tree, () => vfs.stat(`${dir}/out`), "forbidden", dir);
      await assertRefused(tree, () => vfs.stat(`${dir}/out/secret.txt`), "forbidden", dir);
      assert.equal(await vfs.resolve(`${dir}/in/a.txt`), join(tree.home, "docs", "a.txt"));
      assert.equal((await vfs.stat(`${dir}/in/a.txt`)).size, 5);
      assert.equal((await vfs.stat(`${dir}/in`)).type, "dir");
    }
  }
});

Deno.test("Vfs.resolve() refuses a path replaced by a symlink leading out right after it was resolved", async () => {
  await using tree = await makeTree();
  const vfs = await Vfs.open(tree.home);
  const path = join(tree.home, "docs", "swap.txt");
  await Deno.writeTextFile(path, "inside");
  for (let i = 0; i < 3; i++) assert.equal(await vfs.resolve("/docs/swap.txt"), path);
  assert.equal((await vfs.stat("/docs/swap.txt")).size, 6);
  await Deno.remove(path);
  await Deno.symlink(join(tree.outside, "secret.txt"), path);
  await assertRefused(tree, () => vfs.resolve("/docs/swap.txt"), "forbidden", "swapped");
  await assertRefused(tree, () => vfs.stat("/docs/swap.txt"), "forbidden", "swapped");
  await Deno.remove(path);
  await assertRefused(tree, () => vfs.stat("/docs/swap.txt"), "not_found", "removed");
});

Deno.test("Vfs.resolveEntry() gives the link itself, but still checks its parents", async () => {
  await using tree = await makeTree();
  const vfs = await Vfs.open(tree.home);
  assert.equal(await vfs.resolveEntry("/"), tree.home);
  assert.equal(await vfs.resolveEntry("/out-dir"), join(tree.home, "out-dir"));
  assert.equal(await vfs.resolveEntry("/dangling-out"), join(tree.home, "dangling-out"));
  assert.equal(await vfs.resolveEntry("/in-dir/a.txt"), join(tree.home, "docs", "a.txt"));
  for (const path of ["/out-dir/secret.txt", "/sibling/private.txt", "/dangling-in/x"]) {
    await assertRefused(tree, () => vfs.resolveEntry(path), "forbidden", path);
  }
});

Deno.test("Vfs.stat() describes entries by virtual name and refuses escapes", async () => {
  await using tree = await makeTree();
  const vfs = await Vfs.open(tree.home);
  const file = await vfs.stat("/in-file");
  assert.deepEqual({ ...file, mtime: 0 }, { name: "in-file", type: "file", size: 5, mtime: 0 });
  assert.ok(file.mtime > 0);
  assert.equal((await vfs.stat("/in-dir")).type, "dir");
  assert.equal((await vfs.stat("/")).name, "/");
  for (const path of ESCAPES) await assertRefused(tree, () => vfs.stat(path), "forbidden", path);
  const missing = await assertRefused(tree, () => vfs.stat("/missing"), "not_found", "missing");
  assert.equal(missing.message, 'Cannot stat "/missing": not found');
});

Deno.test("Vfs.list() sorts, hides reserved names, and shows outside links as bare links", async () => {
  await using tree = await makeTree();
  const vfs = await Vfs.open(tree.home);
  const entries = await vfs.list("/");
  const summary = entries.map(({ name, type, size }) => `${type} ${size} ${name}`);
  assert.deepEqual(summary, [
    "link 0 chain",
    "link 0 dangling-in",
    "link 0 dangling-out",
    "dir 0 docs",
    "dir 0 in-abs",
    "dir 0 in-dir",
    "file 5 in-file",
    "link 0 loop",
    "link 0 out-dir",
    "link 0 out-file",
    "link 0 out-parent",
    "link 0 out-root",
    "link 0 sibling",
    "link 0 sibling-file",
  ]);
  for (const entry of entries.filter((e) => e.type === "link")) assert.equal(entry.mtime, 0);
  assert.deepEqual((await vfs.list("/in-dir")).map((e) => e.name), ["a.txt"]);
});

Deno.test("Vfs.list() answers alike when listed again moments later (read synchronously), limit included", async () => {
  await using tree = await makeTree();
  const vfs = await Vfs.open(tree.home);
  const first = await vfs.list("/");
  for (let again = 0; again < 3; again++) assert.deepEqual(await vfs.list("/"), first);
  await Deno.writeTextFile(join(tree.home, "new.txt"), "new");
  assert.deepEqual(
    (await vfs.list("/")).map((e) => e.name),
    [...first.map((e) => e.name), "new.txt"].sort(),
  );
  const limited = await Vfs.open(tree.home, { maxListEntries: first.length });
  await assertRefused(tree, () => limited.list("/"), "too_large", "over the limit");
  await assertRefused(tree, () => limited.list("/"), "too_large", "over the limit, again");
});

Deno.test("Vfs.list() refuses to list through an escape and names only virtual paths", async () => {
  await using tree = await makeTree();
  const vfs = await Vfs.open(tree.home);
  for (const path of ["/out-dir", "/out-root", "/out-parent", "/sibling", "/chain"]) {
    await assertRefused(tree, () => vfs.list(path), "forbidden", path);
  }
  const notDir = await assertRefused(
    tree,
    () => vfs.list("/docs/a.txt"),
    "not_a_directory",
    "file",
  );
  assert.equal(notDir.message, 'Cannot list "/docs/a.txt": not a directory');
  await assertRefused(tree, () => vfs.list("/missing"), "not_found", "missing");
});

Deno.test("Vfs.mkdir() creates inside the home, and never outside", async () => {
  await using tree = await makeTree();
  const vfs = await Vfs.open(tree.home);
  const outsideBefore = await treeListing(tree.outside);
  const aliceBefore = await treeListing(tree.alice);

  await vfs.mkdir("/new");
  await vfs.mkdir("/x/y/z", { parents: true });
  await vfs.mkdir("/x/y/z", { parents: true });
  await vfs.mkdir("/in-dir/sub");
  await vfs.mkdir("/", { parents: true });
  assert.ok((await Deno.stat(join(tree.home, "new"))).isDirectory);
  assert.ok((await Deno.stat(join(tree.home, "x", "y", "z"))).isDirectory);
  assert.ok((await Deno.stat(join(tree.home, "docs", "sub"))).isDirectory);

  await assertRefused(tree, () => vfs.mkdir("/new"), "exists", "existing");
  await assertRefused(tree, () => vfs.mkdir("/"), "exists", "home");
  await assertRefused(tree, () => vfs.mkdir("/a/b"), "not_found", "no parents");
  for (const path of ESCAPES) {
    await assertRefused(tree, () => vfs.mkdir(path), "forbidden", path);
    await assertRefused(tree, () => vfs.mkdir(path + "/p/q", { parents: true }), "forbidden", path);
  }
  for (const path of ["/dangling-out", "/dangling-in", "/dangling-out/sub"]) {
    await assertRefused(tree, () => vfs.mkdir(path, { parents: true }), "forbidden", path);
  }
  assert.deepEqual(await treeListing(tree.outside), outsideBefore);
  assert.deepEqual(await treeListing(tree.alice), aliceBefore);
  // The dangling links' targets were not created either.
  await assert.rejects(Deno.lstat(join(tree.outside, "not-yet")), Deno.errors.NotFound);
  await assert.rejects(Deno.lstat(join(tree.home, "not-yet")), Deno.errors.NotFound);
});

Deno.test("Vfs works on a home reached through a symlinked path", async () => {
  await using tree = await makeTree();
  const linkedHome = join(tree.root, "data-link", "home", "al");
  const vfs = await Vfs.open(linkedHome);
  assert.equal(await vfs.resolve("/docs/a.txt"), join(tree.home, "docs", "a.txt"));
  assert.equal(await vfs.resolve("/in-abs/a.txt"), join(tree.home, "docs", "a.txt"));
  assert.equal((await vfs.list("/")).length, 14);
  await vfs.mkdir("/made-through-link");
  assert.ok((await Deno.stat(join(tree.home, "made-through-link"))).isDirectory);
  // A link naming the home by its symlinked path is still inside.
  await Deno.symlink(join(linkedHome, "docs"), join(tree.home, "via-link"));
  assert.equal(await vfs.resolve("/via-link/a.txt"), join(tree.home, "docs", "a.txt"));
  for (const path of ESCAPES) await assertRefused(tree, () => vfs.resolve(path), "forbidden", path);
});

Deno.test("Vfs reports a home deleted under a live session as not found", async () => {
  await using tree = await makeTree();
  const vfs = await Vfs.open(tree.home);
  await Deno.remove(tree.home, { recursive: true });
  for (const path of ["/", "/docs", "/new/deeper"]) {
    await assertRefused(tree, () => vfs.resolve(path), "not_found", path);
  }
  await assertRefused(tree, () => vfs.list("/"), "not_found", "list");
  await assertRefused(tree, () => vfs.mkdir("/x", { parents: true }), "not_found", "mkdir");
});

// ---------------------------------------------------------------------------
// Races with another session of the same user, made deterministic: the
// concurrent change runs at the worst moment, from inside the file system
// call the jail is making (the real call still runs).

/**
 * Runs `change` right after the next directory read (synchronous or not) has
 * read its entries, before the jail sees them: as if another session renamed
 * things between the read and the stats that follow.
 */
function afterNextReadDir(change: () => void): Disposable {
  const { readDir, readDirSync } = Deno;
  const restore = () => Object.assign(Deno, { readDir, readDirSync });
  Object.assign(Deno, {
    readDirSync(path: string | URL) {
      restore();
      const entries = [...readDirSync(path)];
      change();
      return entries[Symbol.iterator]();
    },
    async *readDir(path: string | URL) {
      restore();
      const entries = await Array.fromAsync(readDir(path));
      change();
      yield* entries;
    },
  });
  return { [Symbol.dispose]: restore };
}

/** Calls `seen` with the path of every synchronous directory read until disposed. */
function onReadDirSync(seen: (path: string) => void): Disposable {
  const { readDirSync } = Deno;
  Object.assign(Deno, {
    readDirSync: (path: string | URL) => (seen(String(path)), readDirSync(path)),
  });
  return { [Symbol.dispose]: () => Object.assign(Deno, { readDirSync }) };
}

Deno.test("Vfs.list() never describes what a symlink swapped in after the directory read points to", async () => {
  await using tree = await makeTree();
  const vfs = await Vfs.open(tree.home);
  const swapped = join(tree.home, "docs", "a.txt");
  // Cold (asynchronous read), then hot (read synchronously: listed moments ago).
  for (const round of ["cold", "hot"]) {
    await Deno.remove(swapped);
    await Deno.writeTextFile(swapped, "hello");
    using _race = afterNextReadDir(() => {
      Deno.removeSync(swapped);
      Deno.symlinkSync(join(tree.outside, "secret.txt"), swapped);
    });
    const entries = await vfs.list("/docs");
    assert.deepEqual(entries, [{ name: "a.txt", type: "link", size: 0, mtime: 0 }], round);
  }
});

Deno.test("Vfs.list() reads a directory swapped in under a name listed moments ago as a stranger, not synchronously", async () => {
  await using tree = await makeTree();
  const vfs = await Vfs.open(tree.home);
  // A few entries, listed twice: the next listing of "/small" would be one synchronous read.
  await Deno.mkdir(join(tree.home, "small"));
  await vfs.list("/small");
  await vfs.list("/small");
  // Another session swaps in a directory the thread has never listed (as big as it likes:
  // read in one synchronous call, it would hold every session of the thread).
  const big = join(tree.home, "big");
  await Deno.mkdir(big);
  for (let i = 0; i < 50; i++) await Deno.writeTextFile(join(big, `f${i}`), "");
  await Deno.rename(join(tree.home, "small"), join(tree.home, "small-was"));
  await Deno.rename(big, join(tree.home, "small"));
  const readSynchronously: string[] = [];
  {
    using _watch = onReadDirSync((path) => readSynchronously.push(path));
    assert.equal((await vfs.list("/small")).length, 50);
    // Entries added since the last listing: not the directory that was counted either.
    await vfs.list("/small");
    // Enough long names to outgrow a directory block: the change shows even within the
    // millisecond the directory's times are given in.
    for (let i = 0; i < 40; i++) {
      await Deno.writeTextFile(join(tree.home, "small", `${"n".repeat(200)}${i}`), "");
    }
    assert.equal((await vfs.list("/small")).length, 90);
  }
  assert.deepEqual(readSynchronously, [join(tree.home, "small")], "only the unchanged one");
});

/**
 * Runs `before` right before the next `Deno.open` and `after` right after it:
 * as if another session renamed things between the jail's check of a path and
 * its use.
 */
function aroundNextOpen(before: () => Promise<void>, after = async () => {}): Disposable {
  // Reading a file's content by path starts with one of these.
  const { open, copyFile } = Deno;
  const restore = () => Object.assign(Deno, { open, copyFile });
  const around = <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
  async (
    ...args: A
  ): Promise<R> => {
    restore();
    await before();
    try {
      return await call(...args);
    } finally {
      await after();
    }
  };
  Object.assign(Deno, { open: around(open), copyFile: around(copyFile) });
  return { [Symbol.dispose]: restore };
}

Deno.test("Vfs.openFile() never opens what a symlink renamed over a checked directory leads to", async () => {
  await using tree = await makeTree();
  const vfs = await Vfs.open(tree.home);
  const checked = join(tree.home, "x");
  await Deno.mkdir(checked);
  await Deno.writeTextFile(join(checked, "secret.txt"), "inside");
  // The home holds a link leading out (refused by the jail, but the user may rename it).
  const swapIn = async () => {
    await Deno.rename(checked, join(tree.home, "x-was"));
    await Deno.rename(join(tree.home, "out-dir"), checked);
  };
  const swapBack = async () => {
    await Deno.rename(checked, join(tree.home, "out-dir"));
    await Deno.rename(join(tree.home, "x-was"), checked);
  };
  // Left swapped, the path now leads out: refused. Swapped back, the outside file that was
  // opened is dropped and the inside one opened again.
  const outcomes: Record<string, string> = {};
  for (const [label, after] of [["left swapped", undefined], ["swapped back", swapBack]] as const) {
    using _race = aroundNextOpen(swapIn, after);
    outcomes[label] = await vfs.openFile("/x/secret.txt").then(
      async ({ file }) => `read ${await readText(file)}`,
      (error) => {
        assert.ok(error instanceof OperationError, `${label}: ${error}`);
        assert.ok(!error.message.includes(tree.root), error.message);
        return "refused";
      },
    );
    if (after === undefined) await swapBack();
  }
  assert.deepEqual(outcomes, { "left swapped": "refused", "swapped back": "read inside" });
  // Undisturbed, the file opens.
  const { file } = await vfs.openFile("/x/secret.txt");
  file.close();
});

Deno.test("Vfs.openFile() opens the new version of a file replaced while it was opened", async () => {
  await using tree = await makeTree();
  const vfs = await Vfs.open(tree.home);
  await Deno.writeTextFile(join(tree.home, "doc.txt"), "old");
  await Deno.writeTextFile(join(tree.home, "doc.new"), "new");
  // An upload's commit renames the new version over the path right after the open.
  using _race = aroundNextOpen(
    async () => {},
    () => Deno.rename(join(tree.home, "doc.new"), join(tree.home, "doc.txt")),
  );
  const { file } = await vfs.openFile("/doc.txt");
  assert.equal(await readText(file), "new");
});

Deno.test("Vfs.copyToPartial() (APPE) never copies what a symlink renamed over a checked directory leads to", async () => {
  await using tree = await makeTree();
  const vfs = await Vfs.open(tree.home);
  const checked = join(tree.home, "x");
  await Deno.mkdir(checked);
  await Deno.writeTextFile(join(checked, "secret.txt"), "inside");
  using _race = aroundNextOpen(async () => {
    await Deno.rename(checked, join(tree.home, "x-was"));
    await Deno.rename(join(tree.home, "out-dir"), checked);
  });
  const name = "0123456789abcdef";
  const copied = await vfs.copyToPartial("/x/secret.txt", name).then(() => "copied", (e) => e);
  assert.ok(copied instanceof OperationError, String(copied));
  const partial = await Deno.readTextFile(await vfs.partialFile(name)).catch(() => "");
  assert.notEqual(partial, "secret");
});

Deno.test("byteLength() counts UTF-8 bytes as TextEncoder encodes them, lone surrogates included", () => {
  const samples = [
    "",
    "a.txt",
    "caf\u00e9",
    "\u65e5\u672c\u8a9e/\u30d5\u30a1\u30a4\u30eb",
    "\u{1f600}smile\u{1f4c1}",
    "lone \ud800 high",
    "lone \udc00 low",
    "end \ud83d",
    "\udc00\ud800",
    "\u07ff\u0800\uffff",
  ];
  for (const text of samples) {
    assert.equal(byteLength(text), new TextEncoder().encode(text).length, JSON.stringify(text));
  }
});
