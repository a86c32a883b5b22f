import type { APIGatewayProxyResult } from "aws-lambda";
import type { HttpAnswer } from "../../core-service/src/intake/http-answers.ts";

/** An answer of the intake (the same the local API sends) as API Gateway's proxy result. */
export function answer({ status, body, headers }: HttpAnswer): APIGatewayProxyResult {
  return {
    statusCode: status,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  };
}

/** Header lookup as HTTP means it: case-insensitive. */
export function header(headers: Record<string, string | undefined> | null, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers ?? {})) if (key.toLowerCase() === wanted) return value;
  return undefined;
}
