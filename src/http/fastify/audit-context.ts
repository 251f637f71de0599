import type { FastifyRequest } from "fastify";
import type { AuditContext } from "../../core/index.js";

/**
 * Who makes a change through this request, for the audit log: the caller themself, or the
 * caller as an admin (`admin:NAME`), with the request's address, user agent and session.
 */
export function auditContext(request: FastifyRequest, as: "self" | "admin"): AuditContext {
  const userAgent = request.headers["user-agent"];
  const sessionId = request.principal?.claims.sid;
  const username = request.user?.username;
  return {
    actor: as === "admin" && username !== undefined ? `admin:${username}` : "self",
    ip: request.ip,
    ...(userAgent === undefined ? {} : { userAgent }),
    ...(sessionId === undefined ? {} : { sessionId }),
  };
}
