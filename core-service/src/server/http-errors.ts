import type { ErrorRequestHandler } from "express";
import type { z } from "zod";
import { firstIssue } from "../domain/validation-issue.ts";
import { INTERNAL_ERROR, malformedJsonMessage } from "../intake/http-answers.ts";
import type { Logger } from "../logging/logger.ts";

/** An error with the HTTP status and message the client sees; `field` names the offending input. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** A 400 naming the first issue of a failed parse. */
export function validationError(error: z.ZodError, prefix = ""): HttpError {
  const { field, message } = firstIssue(error, prefix);
  return new HttpError(400, message, field);
}

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
  message?: string;
}

/** Turns body-parser failures and HttpErrors into JSON answers; anything else is a 500 that is logged. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, _req, res, _next) => {
    const answer = toHttpError(error);
    if (answer.status >= 500) logger.error("request failed", { error });
    res.status(answer.status).json({
      error: answer.status >= 500 ? INTERNAL_ERROR : answer.message,
      ...(answer.field && { field: answer.field }),
    });
  };
}

function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  const parserError = error as BodyParserError;
  // The issue asks for 400, not 413, so every bad request looks the same to clients.
  if (parserError.type === "entity.too.large") {
    return new HttpError(400, `body: request body is larger than ${parserError.limit} bytes`, "body");
  }
  if (parserError.type === "entity.parse.failed") {
    return new HttpError(400, malformedJsonMessage(parserError.message ?? "unreadable"), "body");
  }
  if (typeof parserError.status === "number" && parserError.status >= 400 && parserError.status < 500) {
    return new HttpError(parserError.status, parserError.message ?? "bad request");
  }
  return new HttpError(500, "internal error");
}
