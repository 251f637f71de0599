import type { FastifyInstance } from "fastify";
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { type Gatehouse, GRANT_TYPES } from "../core/index.js";
import type { MetricsAccess } from "./config.js";
import { DurationHistogram, type DurationSeries } from "./request-durations.js";

// Grant types and outcomes are closed sets from the core; anything else is folded so a
// client cannot create unbounded label values.
const KNOWN_GRANTS = new Set(GRANT_TYPES);

/**
 * GET /metrics in Prometheus text format: logins by grant and outcome, token verifications by
 * outcome, request latencies by route, the password-hash queue, and Node's process metrics.
 * `access` says who may read it: anyone, a bearer token with the `admin` scope, or no one
 * ("off": no route, so 404, and nothing is collected).
 */
export function registerMetrics(app: FastifyInstance, gatehouse: Gatehouse, access: MetricsAccess): Registry {
  const registry = new Registry();
  if (access === "off") return registry;
  collectDefaultMetrics({ register: registry, prefix: "gatehouse_" });

  const logins = new Counter({
    name: "gatehouse_logins_total",
    help: "Token endpoint requests by grant type and outcome (success or error code)",
    labelNames: ["grant", "outcome"] as const,
    registers: [registry],
  });
  // Counted on every protected request: a plain map here, copied into the counter at each scrape.
  const verificationCounts = new Map<string, number>();
  new Counter({
    name: "gatehouse_token_verifications_total",
    help: "Bearer token checks on protected routes by outcome (valid or error code)",
    labelNames: ["outcome"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [outcome, count] of verificationCounts) this.inc({ outcome }, count);
    },
  });
  const duration = new DurationHistogram(
    "gatehouse_http_request_duration_seconds",
    "Time from request to response by route, method and status class",
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registry,
  );
  new Gauge({
    name: "gatehouse_password_hash_jobs",
    help: "Password hashing jobs running and waiting (load shedding refuses past the queue bound)",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      this.set({ state: "running" }, gatehouse.hasher.queue.running);
      this.set({ state: "queued" }, gatehouse.hasher.queue.queued);
    },
  });

  const deliveries = new Counter({
    name: "gatehouse_webhook_deliveries_total",
    help: "Webhook delivery attempts by outcome (delivered, rejected, unreachable, timeout)",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  gatehouse.webhooks?.onDelivery((outcome) => deliveries.inc({ outcome }));
  const mails = new Counter({
    name: "gatehouse_mails_total",
    help: "Account mails by kind (verify, reset, unlock, under_attack) and outcome (sent, failed, dropped)",
    labelNames: ["kind", "outcome"] as const,
    registers: [registry],
  });
  gatehouse.accounts.mailer?.onOutcome((kind, outcome) => mails.inc({ kind, outcome }));
  // Read from the database at each scrape; while it is unreachable the last values stand
  // (readiness says so), rather than failing the whole scrape.
  const outboxStats = () => gatehouse.store.webhookOutboxStats().catch(() => null);
  new Gauge({
    name: "gatehouse_webhook_outbox_depth",
    help: "Audit events waiting in the webhook outbox",
    registers: [registry],
    async collect() {
      const stats = await outboxStats();
      if (stats !== null) this.set(stats.depth);
    },
  });
  new Gauge({
    name: "gatehouse_webhook_oldest_undelivered_seconds",
    help: "Age of the oldest audit event not yet delivered by webhook (0 when none waits)",
    registers: [registry],
    async collect() {
      const stats = await outboxStats();
      if (stats === null) return;
      this.set(stats.oldestCreatedAt === null ? 0 : Math.max(0, (Date.now() - stats.oldestCreatedAt) / 1000));
    },
  });

  // Every request passes here, so nothing in it allocates once its series exist: series are
  // found through nested maps (route, method) and an array by status class, and counters
  // count in plain numbers handed to prom-client when /metrics is scraped.
  const seriesByRoute = new Map<string, Map<string, Array<DurationSeries | undefined>>>();
  const seriesOf = (route: string, method: string, statusClass: number): DurationSeries => {
    let byMethod = seriesByRoute.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      seriesByRoute.set(route, byMethod);
    }
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) {
      byStatus = [];
      byMethod.set(method, byStatus);
    }
    let series = byStatus[statusClass];
    if (series === undefined) {
      const status = `${statusClass}xx`;
      series = duration.series(`${route} ${method} ${status}`, { route, method, status });
      byStatus[statusClass] = series;
    }
    return series;
  };

  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? "unmatched";
    seriesOf(route, request.method, Math.floor(reply.statusCode / 100)).observe(reply.elapsedTime / 1000);
    // Routes registered before the plugin decorated the request (Swagger UI's /docs) have
    // `undefined` here, not null: neither means a bearer check ran.
    const outcome = request.authOutcome ?? null;
    if (outcome !== null) verificationCounts.set(outcome, (verificationCounts.get(outcome) ?? 0) + 1);
    const grantOutcome = request.grantOutcome ?? null;
    if (grantOutcome !== null) {
      const { grant, outcome: result } = grantOutcome;
      logins.inc({ grant: KNOWN_GRANTS.has(grant) ? grant : "other", outcome: result });
    }
    done();
  });

  // The figures tell an attacker how many logins fail and how busy the hasher is, which an
  // operator may not want to publish.
  const onRequest = access === "admin" ? [app.gatehouse.requireActiveUser(["admin"])] : [];
  app.get("/metrics", { onRequest, schema: { hide: true } }, async (_request, reply) => {
    reply.header("content-type", registry.contentType);
    return registry.metrics();
  });
  return registry;
}
