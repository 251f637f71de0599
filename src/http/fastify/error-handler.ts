import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isGatehouseError } from "../../core/index.js";
import { AT_RESOURCE, errorReply, type ValidationIssue } from "../error-reply.js";

// Fixed texts for framework errors: their own messages can quote the request (a password in bad JSON).
const FRAMEWORK_DETAILS: Record<number, string> = {
  400: "Malformed request",
  404: "Not Found",
  405: "Method Not Allowed",
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
