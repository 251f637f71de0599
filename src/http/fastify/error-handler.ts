import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isGatehouseError } from "../../core/index.js";
import { AT_RESOURCE, errorReply, type ValidationIssue } from "../error-reply.js";
import { DuplicateJsonKeyError } from "./json-body.js";

// Fixed texts for framework errors: their own messages can quote the request (a password in bad JSON).
const FRAMEWORK_DETAILS: Record<number, string> = {
  400: "Malformed request",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "The request took too long to arrive",
  413: "Request body is too large",
  414: "A path parameter is too long",
  415: "Unsupported media type",
  431: "Request header fields too large",
};

/**
 * Fastify's `frameworkErrors` option: errors raised before routing, a malformed URL (`/users/%`)
 * or an over-long path parameter, get the contract's `detail` rather than Fastify's own body,
 * which quotes the path back.
 */
export function replyToFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode === 414 ? 414 : 400;
  reply.code(status).send({ detail: FRAMEWORK_DETAILS[status] });
}

/** What Node's HTTP parser reports with a `clientError`. */
export interface ClientError extends Error {
  code?: string;
}

/**
 * Fastify's `clientErrorHandler` option: requests Node refuses before Fastify sees them
 * (malformed HTTP, a client too slow for `requestTimeout`, oversized headers) get the
 * contract's `{"detail": …}` body instead of Fastify's `{"error","message","statusCode"}`.
 */
export function replyToClientError(error: ClientError, socket: Socket): void {
  // A reset connection has no one to answer (Node's own rule, kept by Fastify's default).
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const status = error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : error.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
  // As Node does: no second status line on a socket whose response has already begun.
  const response = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (socket.writable && response?.headersSent !== true) {
    const body = JSON.stringify({ detail: FRAMEWORK_DETAILS[status] });
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/**
 * Gives every error of the app the contract's shape: a `detail` string, or FastAPI's list of
 * `{loc, msg, type}` for request validation (422). Unknown errors become a bare 500 and are logged.
 */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).send({ detail: "Not Found" });
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isGatehouseError(error)) {
      const { status, headers, body } = errorReply(error, AT_RESOURCE);
      return reply.code(status).headers(headers).send(body);
    }
    if (error instanceof DuplicateJsonKeyError) {
      const detail: ValidationIssue[] = [{ loc: ["body", ...error.path], msg: error.message, type: "duplicate_key" }];
      return reply.code(422).send({ detail });
    }
    if (error.validation) {
      const where = error.validationContext ?? "body";
      const detail: ValidationIssue[] = error.validation.map((issue) => ({
        loc: [where, ...locationOf(issue.instancePath, issue.params)],
        msg: issue.message ?? "Invalid value",
        type: issue.keyword,
      }));
      return reply.code(422).send({ detail });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      if (error.code === "FST_ERR_CTP_INVALID_JSON_BODY" || error.code === "FST_ERR_CTP_EMPTY_JSON_BODY") {
        return reply.code(400).send({ detail: "Request body is not valid JSON" });
      }
      return reply.code(status).send({ detail: FRAMEWORK_DETAILS[status] ?? "Bad request" });
    }
    request.log.error({ err: error }, "unhandled error");
    return reply.code(500).send({ detail: "Internal Server Error" });
  });
}

function locationOf(instancePath: string, params: Record<string, unknown>): string[] {
  const path = instancePath.split("/").filter((part) => part.length > 0);
  const missing = params.missingProperty;
  if (typeof missing === "string") path.push(missing);
  const extra = params.additionalProperty;
  if (typeof extra === "string") path.push(extra);
  return path;
}
