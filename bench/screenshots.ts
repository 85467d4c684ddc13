/**
 * Takes the README's screenshots of the web client (login, files, admin)
 * into docs/img/, with a throwaway server and Debian's chromium:
 * `deno run --allow-net=127.0.0.1 --allow-read --allow-write --allow-env --allow-run bench/screenshots.ts`.
 * Not part of the test run.
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { launchBrowser } from "../tests/_browser.ts";
import { bytes } from "../tests/_data.ts";
import { startHttpServer, WebClient } from "../tests/_http.ts";

const OUT = fileURLToPath(new URL("../docs/img/", import.meta.url));

await using server = await startHttpServer({ args: ["--ftp-port", "0"] });
await server.addUser("alice", "alice-password-1", ["--quota", "2G"]);
const web = new WebClient(`http://127.0.0.1:${server.httpPort}`);
await web.login("alice", "alice-password-1");
await web.post("/api/mkdir", { path: "/Photos" });
await web.post("/api/mkdir", { path: "/Reports" });
await web.upload("/Reports/q3-summary.pdf", bytes(734_003, 1));
await web.upload("/notes.txt", bytes(2_345, 2));
await web.upload("/backup-2026.tar.gz", bytes(48 * 1024 * 1024, 3));
await using browser = await launchBrowser();
const page = await browser.newPage();
await page.setViewport({ width: 1100, height: 640 });
await page.goto(`http://127.0.0.1:${server.httpPort}/`);
await page.waitForSelector("#login-view:not([hidden])");
await page.type("#login-user", "alice");
await page.screenshot({ path: join(OUT, "login.png") });
await page.type("#login-password", "alice-password-1");
await page.click("#login-submit");
await page.waitForSelector('#listing tr[data-name="notes.txt"]');
await page.screenshot({ path: join(OUT, "files.png") });
await page.click("#logout");
await page.waitForSelector("#login-view:not([hidden])");
await page.$eval("#login-user", (input) => ((input as unknown as { value: string }).value = ""));
await page.type("#login-user", "admin");
await page.type("#login-password", server.adminPassword);
await page.click("#login-submit");
await page.waitForSelector("#nav-admin:not([hidden])");
await page.click("#nav-admin");
await page.waitForSelector('#users tr[data-user="alice"]');
await page.screenshot({ path: join(OUT, "admin.png"), fullPage: true });
await page.setViewport({ width: 390, height: 760, isMobile: true });
await page.click("#nav-files");
await page.waitForSelector("#files-view:not([hidden])");
await page.screenshot({ path: join(OUT, "phone.png") });
console.log(`screenshots in ${OUT}`);
