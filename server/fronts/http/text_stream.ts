/**
 * A response body made from text pieces as the client reads it: listings
 * (the web client's JSON, WebDAV's multistatus) are encoded a batch at a
 * time instead of as one string. A client that stops reading for
 * `transfer_timeout` has its response cut, so what the body holds (a
 * listing and its share of the listing budget) is let go.
 */

const CHUNK_CHARS = 64 * 1024;
const encoder = new TextEncoder();

/** Options for {@linkcode textStream}. */
export interface TextStreamOptions {
  /** Longest the client may leave a chunk unread, in milliseconds. */
  timeoutMs: number;
  /** Called once when the body ends: sent, cancelled by the client, or cut. */
  onEnd: () => void;
}

/** A byte stream of `pieces` in UTF-8, about {@linkcode CHUNK_CHARS} characters per chunk. */
export function textStream(
  pieces: Iterator<string>,
  options: TextStreamOptions,
): ReadableStream<Uint8Array> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let ended = false;
  const end = () => {
    clearTimeout(timer);
    if (ended) return;
    ended = true;
    options.onEnd();
  };
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      clearTimeout(timer);
      let chunk = "";
      let done = false;
      while (chunk.length < CHUNK_CHARS) {
        const next = pieces.next();
        if (next.done) {
          done = true;
          break;
        }
        chunk += next.value;
      }
      if (chunk !== "") controller.enqueue(encoder.encode(chunk));
      if (done) {
        controller.close();
        end();
        return;
      }
      timer = setTimeout(() => {
        controller.error(new Error("client stopped reading"));
        end();
      }, options.timeoutMs);
    },
    cancel: end,
  }, { highWaterMark: 1 });
}
