import type { FastifyInstance, FastifyRequest } from "fastify";
import type { SessionInfo } from "../../core/index.js";
import { auditContext } from "./audit-context.js";
import type { AuthHooks } from "./auth-hooks.js";
import {
  ErrorSchema,
  NoContentSchema,
  protectedRouteErrors,
  SessionListSchema,
  type SessionParams,
  SessionParamsSchema,
  securityRequirement,
  type UsernameParams,
  UsernameParamsSchema,
} from "./schemas.js";

// RFC 9068 §2.2: a token always names a client; sessions show the same name.
const DEFAULT_CLIENT_ID = "gatehouse";

/** A session as the API shows it: RFC 3339 times, wire spelling. */
function toWireSession(session: SessionInfo) {
  return {
    id: session.id,
    created_at: new Date(session.createdAt).toISOString(),
    last_used_at: new Date(session.lastUsedAt).toISOString(),
    expires_at: new Date(session.expiresAt).toISOString(),
    client_id: session.clientId ?? DEFAULT_CLIENT_ID,
    ip: session.ip,
    user_agent: session.userAgent,
    amr: session.amr,
    current: session.current,
  };
}

/** The session id of the token that asked, to mark `current`. */
function callerSession(request: FastifyRequest): string | undefined {
  return request.principal?.claims.sid;
}

/**
 * Login sessions: the caller's own under `me` (GET/DELETE /users/me/sessions[/{id}]), any
 * user's under `admin` (GET/DELETE /users/{username}/sessions[/{id}]).
 */
export function registerSessionListRoutes(app: FastifyInstance, hooks: AuthHooks): void {
  const sessions = () => app.gatehouse.core.sessions;
  const errors = { ...protectedRouteErrors, 404: ErrorSchema };
  const me = { onRequest: hooks.requireActiveUser(["me"]), security: securityRequirement(["me"]) };
  const admin = { onRequest: hooks.requireActiveUser(["admin"]), security: securityRequirement(["admin"]) };
  const caller = (request: FastifyRequest) => (request.user as { username: string }).username;

  app.get(
    "/users/me/sessions",
    {
      onRequest: me.onRequest,
      schema: {
        summary: "List your login sessions, newest first",
        tags: ["sessions"],
        security: me.security,
        response: { 200: SessionListSchema, ...errors },
      },
    },
    async (request) => ({
      sessions: (await sessions().list(caller(request), callerSession(request))).map(toWireSession),
    }),
  );

  app.delete<{ Params: SessionParams }>(
    "/users/me/sessions/:id",
    {
      onRequest: me.onRequest,
      schema: {
        summary: "End one of your sessions: its refresh token and access tokens stop working",
        tags: ["sessions"],
        security: me.security,
        params: SessionParamsSchema,
        response: { 204: NoContentSchema, ...errors },
      },
    },
    async (request, reply) => {
      await sessions().revoke(caller(request), request.params.id, auditContext(request, "self"));
      return reply.code(204).send();
    },
  );

  app.get<{ Params: UsernameParams }>(
    "/users/:username/sessions",
    {
      onRequest: admin.onRequest,
      schema: {
        summary: "List a user's login sessions, newest first",
        tags: ["admin"],
        security: admin.security,
        params: UsernameParamsSchema,
        response: { 200: SessionListSchema, ...errors },
      },
    },
    async (request) => ({
      sessions: (await sessions().list(request.params.username, callerSession(request))).map(toWireSession),
    }),
  );

  app.delete<{ Params: Required<SessionParams> }>(
    "/users/:username/sessions/:id",
    {
      onRequest: admin.onRequest,
      schema: {
        summary: "End one of a user's sessions",
        tags: ["admin"],
        security: admin.security,
        params: { ...SessionParamsSchema, required: ["username", "id"] },
        response: { 204: NoContentSchema, ...errors },
      },
    },
    async (request, reply) => {
      await sessions().revoke(request.params.username, request.params.id, auditContext(request, "admin"));
      return reply.code(204).send();
    },
  );
}
