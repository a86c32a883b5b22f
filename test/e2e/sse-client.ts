import type { AvmonEvent } from "../../core-service/src/domain/events.ts";

/** Follows `GET /v1/events` like a browser's EventSource would, collecting the events it receives. */
export function subscribeSse(baseUrl: string, pattern?: unknown) {
  const query = pattern === undefined ? "" : `?pattern=${encodeURIComponent(JSON.stringify(pattern))}`;
  return followSse<AvmonEvent>(`${baseUrl}/v1/events${query}`);
}

/** Follows any Server-Sent Events stream of JSON `data:` lines, collecting the parsed messages in order. */
export async function followSse<T>(url: string) {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  const events: T[] = [];
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
          if (data) events.push(JSON.parse(data.slice("data: ".length)) as T);
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
