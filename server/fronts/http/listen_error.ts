/** The HTTP port could not be listened on; the message says where and why. */
export class HttpListenError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "HttpListenError";
  }
}
