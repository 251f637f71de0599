import type { FastifyInstance } from "fastify";
import type { Gatehouse } from "../core/index.js";

/** GET /healthz (the process answers) and GET /readyz (the database answers too). */
export function registerHealthRoutes(app: FastifyInstance, gatehouse: Gatehouse): void {
  app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));
  app.get("/readyz", { schema: { hide: true } }, async (request, reply) => {
    try {
      await gatehouse.store.ping();
      return { status: "ready" };
    } catch (error) {
      request.log.warn({ err: error }, "readiness check failed");
      return reply.code(503).send({ detail: "Database unavailable" });
    }
  });
}
