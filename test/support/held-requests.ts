import type { SQSClient } from "@aws-sdk/client-sqs";

/**
 * Holds every `commandName` request of a real SDK client until `release()`, so a test can act while a request
 * is in flight (the window in which a concurrent duplicate arrives). The request then goes on unchanged.
 */
export function holdRequests(client: SQSClient, commandName: string) {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let markHeld: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    markHeld = resolve;
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === commandName) {
        markHeld();
        await released;
      }
      return next(args);
    },
    { step: "initialize", name: `hold-${commandName}` },
  );
  return { held, release };
}
