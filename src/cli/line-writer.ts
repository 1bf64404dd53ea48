/** Thrown by a line writer once its reader has gone (EPIPE): the command stops quietly. */
export class OutputClosed extends Error {
  constructor() {
    super("output closed");
    this.name = "OutputClosed";
  }
}

/**
 * Writes lines to `stream` (stdout, stderr). When the reader closes the pipe early, as `| head`
 * does, the stream reports EPIPE: later lines throw OutputClosed instead of the error escaping as
 * an unhandled event with a stack trace. Any other write failure (e.g. stdout redirected to a full
 * disk) is reported once through `report` and makes the process exit 1.
 */
export function lineWriter(stream: NodeJS.WritableStream, report: (line: string) => void): (line: string) => void {
  let closed = false;
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (closed) return;
    closed = true;
    if (err.code === "EPIPE") return;
    report(`tandem: cannot write the output: ${err.message}`);
    process.exitCode = 1;
  });
  return (line) => {
    if (closed) throw new OutputClosed();
    stream.write(line + "\n");
  };
}
