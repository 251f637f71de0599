import { type FastifyReply, type FastifyRequest, LogController } from "fastify";

/** What replaces a request's query string in logs. */
export const REDACTED_QUERY = "?[redacted]";

/**
 * The request target without its query string (or fragment), which a client may have filled
 * with a password or token (`/token?password=…`, RFC 6750 §2.3's `?access_token=…`): such a
 * URL must not reach the logs even though Gatehouse never reads credentials from it.
 */
export function redactRequestUrl(url: string): string {
  const end = url.search(/[?#]/);
  return end === -1 ? url : `${url.slice(0, end)}${REDACTED_QUERY}`;
}

interface LoggedRequest {
  method: string;
  url: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number | undefined } | null;
}

/**
 * pino serializers for Fastify's request logs: Fastify's own `req` fields, with the query
 * string of `url` redacted. Pass them as `logger.serializers`.
 * @example
 * const app = Fastify({ logger: { level: "info", serializers: requestLogSerializers } });
 */
export const requestLogSerializers = {
  req(request: LoggedRequest): Record<string, unknown> {
    return {
      method: request.method,
      url: redactRequestUrl(request.url),
      host: request.host,
      remoteAddress: request.ip,
      remotePort: request.socket?.remotePort,
    };
  },
};

/**
 * Fastify's log lines with the one that bypasses serializers fixed: its default 404 line
 * quotes the raw URL into the message text.
 */
export class RedactingLogController extends LogController {
  override routeNotFound(request: FastifyRequest, _reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    request.log.info(`Route ${request.method}:${redactRequestUrl(request.raw.url ?? "")} not found`);
  }
}
