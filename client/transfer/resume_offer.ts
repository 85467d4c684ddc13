/**
 * After login: the unfinished downloads recorded for this server and user.
 * `connect --resume` resumes them all; on a terminal the user is asked; in a
 * script they are only mentioned.
 */

import { basename } from "node:path";
import { formatSize } from "../../protocol/size.ts";
import { ConnectionLostError } from "../connection.ts";
import { safeName } from "../format.ts";
import type { ResumeRecord } from "../resume_store.ts";
import { downloadFile, PART_SUFFIX, type TransferEnv } from "./download.ts";

/** How to treat the unfinished downloads. */
export type ResumeChoice = "resume" | "ask" | "mention";

/** Lists unfinished downloads and resumes them as chosen; returns false if any resume failed. */
export async function offerResumes(
  env: TransferEnv,
  choice: ResumeChoice,
  confirm: (question: string) => Promise<boolean>,
): Promise<boolean> {
  const records = await resumable(env);
  if (records.length === 0) return true;
  if (choice === "mention") {
    env.notice(
      `${records.length} unfinished download(s) from this server: connect --resume (or get) finishes them`,
    );
    return true;
  }
  env.notice(`Unfinished downloads from ${env.connection.address}:`);
  for (const record of records) {
    const kept = await partLength(record.local);
    env.notice(
      `  ${safeName(record.remote)} -> ${safeName(record.local)} (${formatSize(kept)} of ${
        formatSize(record.size)
      })`,
    );
  }
  if (choice === "ask" && !await confirm(`Resume ${records.length === 1 ? "it" : "them"}?`)) {
    return true;
  }
  let ok = true;
  for (const record of records) {
    if (await Deno.lstat(record.local).then(() => true, () => false)) {
      ok = false;
      env.notice(`error: "${safeName(record.local)}" exists: use get -f to download it again`);
      continue;
    }
    try {
      await downloadFile(env, { remote: record.remote, local: record.local, resume: "auto" });
    } catch (error) {
      if (error instanceof ConnectionLostError) throw error;
      ok = false;
      env.notice(
        `error: ${basename(record.local)}: ${error instanceof Error ? error.message : error}`,
      );
    }
  }
  return ok;
}

/** Recorded downloads whose partial file is still there; records without one are forgotten. */
async function resumable(env: TransferEnv): Promise<ResumeRecord[]> {
  const records = await env.store.list(env.connection.address, env.user);
  const kept: ResumeRecord[] = [];
  for (const record of records) {
    if (await partLength(record.local) >= 0) kept.push(record);
    else await env.store.remove(record.server, record.user, record.local);
  }
  return kept;
}

/** Length of a download's partial file, or -1 if there is none. */
async function partLength(local: string): Promise<number> {
  return await Deno.stat(local + PART_SUFFIX).then((info) => info.size, () => -1);
}
