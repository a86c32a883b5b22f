import type { AvmonEvent } from "../../core-service/src/domain/events.ts";

/** Follows `GET /v1/events` like a browser's EventSource would, collecting the events it receives. */
export async function subscribeSse(baseUrl: string, pattern?: unknown) {
  const controller = new AbortController();
  const query = pattern === undefined ? "" : `?pattern=${encodeURIComponent(JSON.stringify(pattern))}`;
  const response = await fetch(`${baseUrl}/v1/events${query}`, { signal: controller.signal });
  const events: AvmonEvent[] = [];
  const reading = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.split("\n").find((line) => line.startsWith("data: "));
          if (data) events.push(JSON.parse(data.slice("data: ".length)) as AvmonEvent);
          end = buffer.indexOf("\n\n");
        }
      }
    } catch {
      // Aborted by close(): the stream simply ends.
    }
  })();
  return {
    response,
    events,
    async close() {
      controller.abort();
      await reading;
    },
  };
}
