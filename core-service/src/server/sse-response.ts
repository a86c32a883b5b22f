import type { Request, Response } from "express";

const KEEPALIVE_MS = 15_000;

/** Starts a Server-Sent Events answer; a comment first, so clients and proxies see the stream open at once. */
export function openSse(res: Response): void {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  res.write(": subscribed\n\n");
}

/**
 * Keeps an open stream alive (a comment every 15 s) until the client goes or the server shuts down
 * (`onClose` registers the stream with the server and returns a function that forgets it); then unsubscribes.
 * Returns the stream's end, for a server that drops the client itself (once, however often it is called).
 */
export function keepSseOpen(
  req: Request,
  res: Response,
  onClose: (close: () => void) => () => void,
  unsubscribe: () => void,
): () => void {
  const keepalive = setInterval(() => res.write(": keepalive\n\n"), KEEPALIVE_MS).unref();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(keepalive);
    unsubscribe();
    forget();
    res.end();
  };
  const forget = onClose(end);
  req.on("close", end);
  return end;
}
