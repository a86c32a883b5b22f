import type { APIGatewayProxyResult } from "aws-lambda";

export function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  };
}

export const problem = (statusCode: number, message: string) => json(statusCode, { error: message });

/** Header lookup as HTTP means it: case-insensitive. */
export function header(headers: Record<string, string | undefined> | null, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers ?? {})) if (key.toLowerCase() === wanted) return value;
  return undefined;
}
