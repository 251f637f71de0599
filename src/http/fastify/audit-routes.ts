import type { FastifyInstance } from "fastify";
import { type AuditQuery, GatehouseError, isAuditEventType, toAuditEventJson } from "../../core/index.js";
import type { AuthHooks } from "./auth-hooks.js";
import {
  type AuditListQuery,
  AuditListQuerySchema,
  AuditPageSchema,
  ErrorSchema,
  OwnAuditListQuerySchema,
  protectedRouteErrors,
  securityRequirement,
} from "./schemas.js";

const DEFAULT_LIMIT = 50;

/** The query string as the core takes it; `since` must be a real RFC 3339 time. */
function toAuditQuery(query: AuditListQuery, username: string | undefined): AuditQuery {
  let since: number | undefined;
  if (query.since !== undefined) {
    since = Date.parse(query.since);
    if (Number.isNaN(since))
      throw new GatehouseError("validation_failed", "since must be an RFC 3339 time", { field: "since" });
  }
  return {
    ...(username === undefined ? {} : { username }),
    ...(query.type !== undefined && isAuditEventType(query.type) ? { type: query.type } : {}),
    ...(since === undefined ? {} : { since }),
    limit: query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit),
    cursor: query.cursor ?? null,
  };
}

/** GET /audit (admin: anyone's events, filtered) and GET /users/me/audit (the caller's own, their login history). */
export function registerAuditRoutes(app: FastifyInstance, hooks: AuthHooks): void {
  const audit = () => app.gatehouse.core.audit;
  const errors = { ...protectedRouteErrors, 422: ErrorSchema };
  const page = async (query: AuditQuery) => {
    const result = await audit().list(query);
    return { events: result.events.map(toAuditEventJson), next_cursor: result.nextCursor };
  };

  app.get<{ Querystring: AuditListQuery }>(
    "/audit",
    {
      onRequest: hooks.requireActiveUser(["admin"]),
      schema: {
        summary: "The audit log, newest first: filter by username, type and time, a page at a time",
        tags: ["admin"],
        security: securityRequirement(["admin"]),
        querystring: AuditListQuerySchema,
        response: { 200: AuditPageSchema, ...errors },
      },
    },
    async (request) => page(toAuditQuery(request.query, request.query.username)),
  );

  app.get<{ Querystring: Omit<AuditListQuery, "username"> }>(
    "/users/me/audit",
    {
      onRequest: hooks.requireActiveUser(["me"]),
      schema: {
        summary: "Your own events (logins, refreshes, changes to your account), newest first",
        tags: ["users"],
        security: securityRequirement(["me"]),
        querystring: OwnAuditListQuerySchema,
        response: { 200: AuditPageSchema, ...errors },
      },
    },
    async (request) => page(toAuditQuery(request.query, (request.user as { username: string }).username)),
  );
}
