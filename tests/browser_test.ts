/**
 * The web client in a real browser (Debian's chromium, headless, driven by
 * puppeteer-core) against the real server: a wrong password, login, upload
 * by the file picker and by drag and drop with progress shown, download
 * through the browser compared by sha256, mkdir, rename, delete with
 * confirmation, a quota refusal shown clearly, and an administrator who
 * creates and disables a user while that user's FTP session is open (it
 * ends). FTPX_BROWSER_BIG=1 adds the 50 MiB upload of the issue.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import type { Page } from "puppeteer-core";
import { RawFtpClient } from "./_ftp.ts";
import { bytes, fileSha256, sha256 } from "./_data.ts";
import { launchBrowser } from "./_browser.ts";
import { startHttpServer } from "./_http.ts";
import { tempDir } from "./_spawn.ts";

const ALICE = "alice-password-1";
const MIB = 1024 * 1024;
const WAIT = { timeout: 30_000 };

async function logIn(page: Page, user: string, password: string): Promise<void> {
  await page.type("#login-user", user);
  await page.type("#login-password", password);
  await page.click("#login-submit");
}

/** Records every status text an upload row shows, to see its progress. */
async function watchUploads(page: Page): Promise<void> {
  // Browser code as text: it runs in the page, where the DOM is (Deno's types have none).
  await page.evaluate(`(() => {
    const seen = [];
    globalThis.uploadStatuses = seen;
    new MutationObserver(() => {
      document.querySelectorAll("#uploads .status").forEach((node) => {
        if (seen[seen.length - 1] !== node.textContent) seen.push(node.textContent);
      });
    }).observe(document.getElementById("uploads"), { subtree: true, childList: true, characterData: true });
  })()`);
}

function uploadStatuses(page: Page): Promise<string[]> {
  return page.evaluate("globalThis.uploadStatuses") as Promise<string[]>;
}

/** Waits until `expression` (browser code) is true. */
async function waitFor(page: Page, expression: string): Promise<void> {
  await page.waitForFunction(expression, WAIT);
}

/** Answers the open dialog: fills its first input (if `value` is given) and presses OK. */
async function answerDialog(page: Page, value?: string): Promise<void> {
  await page.waitForSelector("#dialog[open]", WAIT);
  if (value !== undefined) {
    await page.$eval("#dialog-fields input", (input, text) => {
      (input as unknown as { value: string }).value = text;
    }, value);
  }
  await page.click("#dialog-ok");
}

Deno.test("browser: log in, upload by picker and by drop with progress, download by sha256, mkdir, rename, delete, quota refusal", async () => {
  await using server = await startHttpServer();
  await server.addUser("alice", ALICE, ["--quota", "12M"]);
  await using dir = await tempDir();
  await using browser = await launchBrowser();
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.httpPort}/`);
  await page.waitForSelector("#login-view:not([hidden])", WAIT);

  await logIn(page, "alice", "wrong-password");
  await waitFor(
    page,
    String.raw`document.getElementById("message").textContent === "Login incorrect"`,
  );
  assert.equal(await page.$eval("#message", (node) => node.className), "error");
  for (const field of ["#login-user", "#login-password"]) {
    await page.$eval(field, (input) => ((input as unknown as { value: string }).value = ""));
  }
  await logIn(page, "alice", ALICE);
  await page.waitForSelector("#files-view:not([hidden])", WAIT);
  assert.equal(await page.$eval("#quota", (node) => node.textContent), "Used 0 B of 12 MiB");
  assert.equal(
    await page.evaluate(`getComputedStyle(document.getElementById("nav-admin")).display`),
    "none",
    "no Admin button for a plain user",
  );
  await watchUploads(page);

  // The picker.
  const picked = bytes(3 * MIB + 11, 21);
  const pickedPath = join(dir.path, "picked.bin");
  await Deno.writeFile(pickedPath, picked);
  const input = await page.$("#picker");
  await input!.uploadFile(pickedPath);
  await page.waitForSelector('#uploads li.done[data-name="picked.bin"]', WAIT);
  const bar = await page.$eval('#uploads li[data-name="picked.bin"] progress', (node) => ({
    value: (node as unknown as { value: number; max: number }).value,
    max: (node as unknown as { value: number; max: number }).max,
  }));
  assert.deepEqual(bar, { value: picked.length, max: picked.length });
  const statuses = await uploadStatuses(page);
  assert.ok(statuses.some((text) => text.startsWith("Uploading")), statuses.join(" | "));
  assert.ok(statuses.includes("Done: 3.0 MiB"), statuses.join(" | "));
  assert.equal(await fileSha256(join(server.home("alice"), "picked.bin")), sha256(picked));
  await page.waitForSelector('#listing tr[data-name="picked.bin"]', WAIT);

  // Drag and drop: a file made in the page, dropped on the file view.
  const droppedSha = await page.evaluate(`(async () => {
    const size = ${2 * MIB};
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i++) data[i] = (i * 31 + 7) & 0xff;
    const transfer = new DataTransfer();
    transfer.items.add(new File([data], "dropped.bin", { type: "application/octet-stream" }));
    const view = document.getElementById("files-view");
    view.dispatchEvent(new DragEvent("dragover", { dataTransfer: transfer, bubbles: true, cancelable: true }));
    view.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
    return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  })()`) as string;
  await page.waitForSelector('#uploads li.done[data-name="dropped.bin"]', WAIT);
  await page.waitForSelector('#listing tr[data-name="dropped.bin"]', WAIT);
  assert.equal(await fileSha256(join(server.home("alice"), "dropped.bin")), droppedSha);
  await waitFor(
    page,
    String.raw`/^Used 5\.0 MiB of 12 MiB$/.test(document.getElementById("quota").textContent)`,
  );

  // Download by clicking the link; the browser reports when the file is complete.
  const downloads = join(dir.path, "downloads");
  await Deno.mkdir(downloads);
  const cdp = await browser.target().createCDPSession();
  await cdp.send("Browser.setDownloadBehavior", {
    behavior: "allow",
    downloadPath: downloads,
    eventsEnabled: true,
  });
  const completed = new Promise<void>((resolve, reject) => {
    cdp.on("Browser.downloadProgress", (event) => {
      if (event.state === "completed") resolve();
      if (event.state === "canceled") reject(new Error("download canceled"));
    });
  });
  await page.click('#listing tr[data-name="picked.bin"] a');
  await completed;
  assert.equal(await fileSha256(join(downloads, "picked.bin")), sha256(picked));

  // mkdir, rename, delete (with confirmation).
  await page.click("#mkdir");
  await answerDialog(page, "folder");
  await page.waitForSelector('#listing tr[data-name="folder"]', WAIT);
  await page.click('#listing tr[data-name="dropped.bin"] button[aria-label="Rename dropped.bin"]');
  await answerDialog(page, "renamed.bin");
  await page.waitForSelector('#listing tr[data-name="renamed.bin"]', WAIT);
  assert.equal(await page.$('#listing tr[data-name="dropped.bin"]'), null);
  await page.click('#listing tr[data-name="folder"] button[aria-label="Delete folder"]');
  assert.match(
    await page.$eval("#dialog-title", (node) => node.textContent!),
    /Delete the folder folder/,
  );
  await answerDialog(page);
  await waitFor(page, String.raw`document.querySelector('#listing tr[data-name="folder"]')`);
  await Deno.stat(join(server.home("alice"), "renamed.bin"));

  // Over quota: refused before sending, and said so.
  const tooBig = join(dir.path, "too-big.bin");
  await Deno.writeFile(tooBig, bytes(8 * MIB, 3));
  await (await page.$("#picker"))!.uploadFile(tooBig);
  await page.waitForSelector('#uploads li.failed[data-name="too-big.bin"]', WAIT);
  const refusal = await page.$eval(
    '#uploads li[data-name="too-big.bin"] .status',
    (node) => node.textContent!,
  );
  assert.match(refusal, /^Failed: .*quota/i);
  assert.match(await page.$eval("#message", (node) => node.textContent!), /too-big\.bin: .*quota/i);
  await page.close();
});

Deno.test("browser admin: create a user, who logs in by FTP; disabling them from the page ends that FTP session", async () => {
  await using server = await startHttpServer({ args: ["--ftp-port", "0"] });
  await using browser = await launchBrowser();
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.httpPort}/`);
  await page.waitForSelector("#login-view:not([hidden])", WAIT);
  await logIn(page, "admin", server.adminPassword);
  await page.waitForSelector("#nav-admin:not([hidden])", WAIT);
  await page.click("#nav-admin");
  await page.waitForSelector("#admin-view:not([hidden])", WAIT);
  await page.type("#new-name", "dave");
  await page.type("#new-password", "dave-password-1");
  await page.type("#new-quota", "5M");
  await page.click("#adduser-submit");
  await page.waitForSelector('#users tr[data-user="dave"]', WAIT);
  const { client: ftp } = await RawFtpClient.connect(server.ftpPort!);
  await using _ftp = ftp;
  assert.match(await ftp.command("USER dave"), /^331/);
  assert.match(await ftp.command("PASS dave-password-1"), /^230/);
  await page.click("#nav-admin");
  await waitFor(
    page,
    String
      .raw`[...document.querySelectorAll("#sessions tbody tr")].some((row) => /dave/.test(row.textContent) && /ftp/.test(row.textContent) )`,
  );
  await page.click('#users tr[data-user="dave"] button[aria-label="Disable dave"]');
  await waitFor(
    page,
    String
      .raw`document.querySelector('#users tr[data-user="dave"] .state').textContent === "disabled"`,
  );
  assert.match(await ftp.command("PWD"), /^421 .*dave.* was disabled/);
  assert.ok(await ftp.closedByServer());
  await waitFor(
    page,
    String.raw`/disable/.test(document.querySelector("#actions tbody").textContent)`,
  );
  await page.close();
});

Deno.test({
  name: "browser: a 50 MiB upload by the picker (FTPX_BROWSER_BIG=1)",
  ignore: Deno.env.get("FTPX_BROWSER_BIG") !== "1",
  async fn() {
    await using server = await startHttpServer();
    await server.addUser("alice", ALICE);
    await using dir = await tempDir();
    await using browser = await launchBrowser();
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.httpPort}/`);
    await page.waitForSelector("#login-view:not([hidden])", WAIT);
    await logIn(page, "alice", ALICE);
    await page.waitForSelector("#files-view:not([hidden])", WAIT);
    const data = bytes(50 * MIB, 8);
    const path = join(dir.path, "fifty.bin");
    await Deno.writeFile(path, data);
    await (await page.$("#picker"))!.uploadFile(path);
    await page.waitForSelector('#uploads li.done[data-name="fifty.bin"]', { timeout: 120_000 });
    assert.equal(await fileSha256(join(server.home("alice"), "fifty.bin")), sha256(data));
    await page.close();
  },
});

Deno.test("browser: a page reloaded mid-upload resumes the file from what the server holds", async () => {
  await using server = await startHttpServer();
  // A slow upload (the account's bandwidth limit), so the reload comes while it runs.
  await server.addUser("alice", ALICE, ["--rate-up", "1M"]);
  await using dir = await tempDir();
  await using browser = await launchBrowser();
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.httpPort}/`);
  await page.waitForSelector("#login-view:not([hidden])", WAIT);
  await logIn(page, "alice", ALICE);
  await page.waitForSelector("#files-view:not([hidden])", WAIT);

  const content = bytes(4 * MIB, 33);
  const path = join(dir.path, "slow.bin");
  await Deno.writeFile(path, content);
  await (await page.$("#picker"))!.uploadFile(path);
  // Once a megabyte has gone, reload: the upload is cut, its hidden partial stays on the server.
  await waitFor(
    page,
    String
      .raw`(document.querySelector('#uploads li[data-name="slow.bin"] progress')?.value ?? 0) > 1048576`,
  );
  await page.reload();
  await page.waitForSelector("#files-view:not([hidden])", WAIT);
  assert.equal(await Deno.stat(join(server.home("alice"), "slow.bin")).catch(() => null), null);

  await watchUploads(page);
  await (await page.$("#picker"))!.uploadFile(path);
  await page.waitForSelector('#uploads li.done[data-name="slow.bin"], #uploads li.failed', {
    timeout: 60_000,
  }).catch(async (error) => {
    throw new Error(`${error}; statuses: ${(await uploadStatuses(page)).join(" | ")}`);
  });
  const statuses = await uploadStatuses(page);
  assert.ok(statuses.some((text) => text.startsWith("Resuming at")), statuses.join(" | "));
  assert.ok(statuses.at(-1)!.startsWith("Done"), statuses.join(" | "));
  assert.equal(await fileSha256(join(server.home("alice"), "slow.bin")), sha256(content));
});
