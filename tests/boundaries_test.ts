/**
 * Keeps the module boundaries true by scanning import specifiers:
 * `server/` and `client/` never import each other, `protocol/` and `cli/`
 * import neither, and `main.ts` reaches both only through lazy `import()`,
 * so `ftpx connect` never loads server code. Inside `server/`, the seams
 * hold: `core/`, `storage/` and `store/` never import a front, fronts never
 * import each other, only `store/sqlite/` speaks SQL, and only
 * `storage/local/` calls Deno's file APIs on what users send.
 */

import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const SKIPPED_DIRS = new Set([".git", "node_modules", "dist", ".work", "coverage"]);

interface ImportSite {
  /** File doing the import, relative to the repo. */
  file: string;
  specifier: string;
  dynamic: boolean;
  /** Top-level folder (or file) the specifier points into; null for packages and built-ins. */
  target: string | null;
}

const STATIC_IMPORT =
  /(?:^|[;\s])(?:import|export)\s+(?:type\s+)?[^;"'`]*?\bfrom\s*["']([^"']+)["']/g;
const BARE_IMPORT = /(?:^|[;\s])import\s*["']([^"']+)["']/g;
const DYNAMIC_IMPORT = /\bimport\s*\(\s*(["'`]?)([^"'`)]*)\1\s*\)/g;

/** Every import in one file's source. */
function findImports(file: string, source: string): ImportSite[] {
  const sites: ImportSite[] = [];
  const add = (specifier: string, dynamic: boolean) =>
    sites.push({ file, specifier, dynamic, target: topLevelTarget(file, specifier) });
  for (const match of source.matchAll(STATIC_IMPORT)) add(match[1]!, false);
  for (const match of source.matchAll(BARE_IMPORT)) add(match[1]!, false);
  for (const match of source.matchAll(DYNAMIC_IMPORT)) add(match[2]!, true);
  return sites;
}

/** `server`, `client`, `main.ts`... for a relative specifier; null for anything else. */
function topLevelTarget(file: string, specifier: string): string | null {
  if (!specifier.startsWith(".")) return null;
  const target = relative(REPO, resolve(REPO, dirname(file), specifier));
  return target.split("/")[0]!;
}

async function sourceFiles(dir = REPO): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory && !SKIPPED_DIRS.has(entry.name)) files.push(...await sourceFiles(path));
    else if (entry.isFile && /\.(ts|js|mjs)$/.test(entry.name)) files.push(relative(REPO, path));
  }
  return files.sort();
}

async function allImports(): Promise<ImportSite[]> {
  const sites: ImportSite[] = [];
  for (const file of await sourceFiles()) {
    sites.push(...findImports(file, await Deno.readTextFile(join(REPO, file))));
  }
  return sites;
}

function describe(sites: ImportSite[]): string {
  return sites.map((s) => `${s.file} imports "${s.specifier}"`).join("\n");
}

/** What each top-level folder may not import. */
const FORBIDDEN: Record<string, string[]> = {
  server: ["client", "main.ts"],
  client: ["server", "main.ts"],
  protocol: ["server", "client", "cli", "main.ts"],
  cli: ["server", "client", "main.ts"],
};

Deno.test("findImports() sees static, type-only, re-exported, multi-line and dynamic imports", () => {
  const source = `
import { a } from "./a.ts";
import type { B } from '../server/b.ts';
export * from "./c.ts";
export { d } from "./d.ts";
import {
  e,
  f,
} from "../client/e.ts";
import "./side_effect.ts";
const lazy = () => import("./server/lazy.ts");
const computed = import(name);
`;
  const sites = findImports("client/x.ts", source);
  assert.deepEqual(sites.map((s) => [s.specifier, s.dynamic, s.target]), [
    ["./a.ts", false, "client"],
    ["../server/b.ts", false, "server"],
    ["./c.ts", false, "client"],
    ["./d.ts", false, "client"],
    ["../client/e.ts", false, "client"],
    ["./side_effect.ts", false, "client"],
    ["./server/lazy.ts", true, "client"],
    ["name", true, null],
  ]);
});

Deno.test("server/, client/, protocol/ and cli/ keep to their side of the boundaries", async () => {
  const sites = await allImports();
  assert.ok(sites.length > 100, `only ${sites.length} imports found: is the scanner broken?`);
  const crossings = sites.filter((site) => {
    const folder = site.file.split("/")[0]!;
    return site.target !== null && (FORBIDDEN[folder] ?? []).includes(site.target);
  });
  assert.deepEqual(crossings, [], `forbidden imports:\n${describe(crossings)}`);
});

Deno.test("main.ts loads server and client code only through dynamic import()", async () => {
  const sites = findImports("main.ts", await Deno.readTextFile(join(REPO, "main.ts")));
  const eager = sites.filter((s) => !s.dynamic && (s.target === "server" || s.target === "client"));
  assert.deepEqual(eager, [], `main.ts imports eagerly:\n${describe(eager)}`);
  const lazy = sites.filter((s) => s.dynamic);
  assert.ok(lazy.some((s) => s.target === "server"), "no lazy import of server/ found");
  assert.ok(lazy.some((s) => s.target === "client"), "no lazy import of client/ found");
  const computed = lazy.filter((s) => s.target === null);
  assert.deepEqual(
    computed,
    [],
    `main.ts has imports that can't be checked:\n${describe(computed)}`,
  );
});

/** The `server/` folder a file is in (`core`, `fronts/ftp`, ...), or null outside `server/`. */
function serverPart(file: string): string | null {
  const parts = file.split("/");
  if (parts[0] !== "server" || parts.length < 3) return null;
  return parts[1] === "fronts" || parts[1] === "storage" || parts[1] === "store"
    ? `${parts[1]}/${parts[2]!.replace(/\.ts$/, "")}`
    : parts[1]!;
}

function serverTarget(site: ImportSite): string | null {
  if (!site.specifier.startsWith(".")) return null;
  return serverPart(relative(REPO, resolve(REPO, dirname(site.file), site.specifier)));
}

const isTest = (file: string) => /_test\.ts$|\/_fixture\.ts$/.test(file);

Deno.test("core/, storage/ and store/ never import a front; fronts never import each other", async () => {
  const crossings = (await allImports()).filter((site) => {
    const from = serverPart(site.file);
    const to = serverTarget(site);
    if (from === null || to === null || !to.startsWith("fronts/")) return false;
    return !from.startsWith("fronts/") || from !== to;
  }).filter((site) => !(serverPart(site.file) === "boot")); // boot/ starts the fronts
  assert.deepEqual(crossings, [], `forbidden imports:\n${describe(crossings)}`);
});

Deno.test("only server/store/sqlite/ imports node:sqlite", async () => {
  const sql = (await allImports()).filter((site) =>
    site.specifier === "node:sqlite" && site.file.startsWith("server/") &&
    !site.file.startsWith("server/store/sqlite/") && !isTest(site.file)
  );
  assert.deepEqual(sql, [], `SQL outside the SQLite store:\n${describe(sql)}`);
});

/** Deno's calls on files and directories, which must never see a path a client sent unchecked. */
const FILE_API =
  /\bDeno\.(open|openSync|readDir|readDirSync|readFile|readTextFile|writeFile|writeTextFile|remove|removeSync|rename|renameSync|mkdir|mkdirSync|lstat|lstatSync|stat|statSync|realPath|realPathSync|copyFile|truncate|symlink|link|chmod|chmodSync)\(/;

Deno.test("fronts and core never call Deno's file APIs: user files go through storage/", async () => {
  // These read the server's own files (configuration, TLS material, /dev/null), never user data.
  const own = new Set([
    "server/core/config.ts",
    "server/core/tls/tls.ts",
    "server/core/net/descriptors.ts",
  ]);
  const offenders: string[] = [];
  for (const file of await sourceFiles()) {
    const part = serverPart(file);
    if (part === null || isTest(file) || own.has(file)) continue;
    if (!(part === "core" || part.startsWith("fronts/"))) continue;
    const source = await Deno.readTextFile(join(REPO, file));
    const match = FILE_API.exec(source);
    if (match) offenders.push(`${file}: ${match[0]}`);
  }
  assert.deepEqual(offenders, [], `file API calls outside storage/:\n${offenders.join("\n")}`);
});
