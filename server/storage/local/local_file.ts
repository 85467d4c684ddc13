/**
 * Open files of the local backend as the storage interface has them. Reads
 * and stats run synchronously while the disk answers fast (a copy from the
 * page cache costs less than a round trip through Deno's thread pool) and
 * asynchronously once it shows itself slow (`sync_fs.ts`).
 */

import type { FileReader, PartialWriter, StoredFile } from "../mod.ts";
import { syncFs } from "./sync_fs.ts";

/** What the storage interface knows of a file, from the local file system's info. */
export function storedFile(info: Deno.FileInfo): StoredFile {
  const mtime = info.mtime?.getTime() ?? 0;
  return {
    isFile: info.isFile,
    isDirectory: info.isDirectory,
    size: info.size,
    mtime,
    version: { dev: info.dev, ino: info.ino ?? 0, size: info.size, mtime },
  };
}

/** A regular file open for reading. */
export class LocalFileReader implements FileReader {
  readonly #file: Deno.FsFile;

  /** Takes ownership of an open file. */
  constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  seek(offset: number): void {
    this.#file.seekSync(offset, Deno.SeekMode.Start);
  }

  async read(buffer: Uint8Array): Promise<number | null> {
    return await syncFs.preferSync(
      () => this.#file.readSync(buffer),
      () => this.#file.read(buffer),
    );
  }

  async stat(): Promise<StoredFile> {
    return storedFile(
      await syncFs.preferSync(() => this.#file.statSync(), () => this.#file.stat()),
    );
  }

  close(): void {
    this.#file.close();
  }
}

/** A partial upload open for writing. */
export class LocalPartialWriter implements PartialWriter {
  readonly #file: Deno.FsFile;

  /** Takes ownership of an open file. */
  constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  async write(data: Uint8Array): Promise<number> {
    // Into the page cache, a synchronous write costs a copy; Deno's asynchronous one a
    // thread-pool round trip and a duplicated descriptor per call (a third of an upload's CPU).
    return await syncFs.preferSync(() => this.#file.writeSync(data), () => this.#file.write(data));
  }

  read(buffer: Uint8Array): Promise<number | null> {
    return this.#file.read(buffer);
  }

  async seek(offset: number): Promise<void> {
    await this.#file.seek(offset, Deno.SeekMode.Start);
  }

  async length(): Promise<number> {
    return (await this.#file.stat()).size;
  }

  close(): void {
    this.#file.close();
  }
}
