/**
 * Follows a Server-Sent Events stream for as long as the page is open. EventSource reconnects by itself after
 * a dropped connection; when it gives up (an HTTP error answer closes it for good), a new one is opened with
 * backoff, so a restarted server is picked up without a reload either way.
 */
export function follow(url, handlers) {
  let delay = 1000;
  const connect = () => {
    const source = new EventSource(url);
    source.onopen = () => {
      delay = 1000;
      handlers.open?.();
    };
    source.onmessage = (message) => {
      let data;
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      handlers.message?.(data);
    };
    for (const [name, handle] of Object.entries(handlers.named ?? {})) source.addEventListener(name, handle);
    source.onerror = () => {
      handlers.reconnecting?.();
      if (source.readyState !== EventSource.CLOSED) return;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30_000);
    };
  };
  connect();
}
