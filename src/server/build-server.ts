import fastJson from "fast-json-stringify";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Gatehouse } from "../core/index.js";
import { installErrorHandlers, replyToClientError, replyToFrameworkError } from "../http/fastify/error-handler.js";
import { gatehousePlugin } from "../http/fastify/index.js";
import { installStrictJsonParser } from "../http/fastify/json-body.js";
import { RedactingLogController, requestLogSerializers } from "../http/fastify/request-log.js";
import type { MetricsAccess } from "./config.js";
import { registerHealthRoutes } from "./health-routes.js";
import { installLazyValidators } from "./lazy-validators.js";
import { registerMetrics } from "./metrics.js";
import { registerOpenApi } from "./openapi.js";

/** Options for {@link buildServer}. */
export interface BuildServerOptions {
  gatehouse: Gatehouse;
  /** Trust `X-Forwarded-For` from this many proxy hops; 0 uses the socket address. */
  trustProxy?: number;
  /** pino level; default "warn" (request logging off: it costs throughput). */
  logLevel?: string;
  /** Where log lines (one JSON object each) go; default standard output. */
  logStream?: LogDestination;
  /** Who may read GET /metrics: "public" (default), "admin" (a bearer token with `admin`), "off" (404). */
  metrics?: MetricsAccess;
  /** Milliseconds a client has to send a whole request (headers within half of it); default 30 000. */
  requestTimeoutMs?: number;
}

/** A sink for log lines, as pino writes them. */
export interface LogDestination {
  write(line: string): unknown;
}

/** Largest request body outside the token endpoint. */
export const BODY_LIMIT = 1024 * 1024;

/** Time a client has to send a whole request; Node's default is 5 minutes and Fastify's is never. */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Assembles the Gatehouse server: plugin, OpenAPI and docs, health, error shapes.
 * Never listens, so tests use `inject()`.
 */
export async function buildServer(options: BuildServerOptions): Promise<FastifyInstance> {
  const logLevel = options.logLevel ?? "warn";
  const requestLogging = logLevel === "info" || logLevel === "debug" || logLevel === "trace";
  const app = Fastify({
    // Request logs carry the URL without its query: a client may have put a password there.
    logger: {
      level: logLevel,
      serializers: requestLogSerializers,
      ...(options.logStream === undefined ? {} : { stream: options.logStream }),
    },
    logController: new RedactingLogController({ disableRequestLogging: !requestLogging }),
    // Without request logging, a child logger per request (for its reqId) is pure cost.
    ...(requestLogging ? {} : { childLoggerFactory: (logger: FastifyBaseLogger) => logger }),
    bodyLimit: BODY_LIMIT,
    trustProxy: trustHops(options.trustProxy ?? 0),
    // Slow clients (trickled headers or body) get 408 instead of holding a socket and a
    // half-read request for as long as they like; Node checks the deadlines every second.
    requestTimeout: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
    http: {
      headersTimeout: Math.ceil((options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS) / 2),
      connectionsCheckingInterval: 1000,
    },
    // Bounded inputs: Node refuses larger headers with 431 itself.
    routerOptions: { maxParamLength: 256 },
    frameworkErrors: replyToFrameworkError,
    clientErrorHandler: replyToClientError,
    return503OnClosing: true,
    forceCloseConnections: "idle",
  });
  // Routes share a handful of response schemas (errors, the public user): each is compiled once
  // (instead of once per route and status, ~140 ms of start-up), and only when a reply first
  // needs it, so start-up compiles none.
  const serializers = new Map<unknown, (data: unknown) => string>();
  app.setSerializerCompiler(({ schema }) => {
    let serialize: ((data: unknown) => string) | undefined;
    return (data: unknown) => {
      if (serialize === undefined) {
        serialize = serializers.get(schema) ?? fastJson(schema as Parameters<typeof fastJson>[0]);
        serializers.set(schema, serialize);
      }
      return serialize(data);
    };
  });
  // Unknown fields are an error (422), not silently dropped: `{"hashed_password": …}` must not look
  // accepted. No type coercion either: `"disabled": "true"` or `"scopes": "me"` is a 422, not a guess.
  installLazyValidators(app);
  installErrorHandlers(app);
  // Every JSON body of the server, not only the plugin's routes: a duplicate key is a 422.
  installStrictJsonParser(app);
  await registerOpenApi(app, options.gatehouse, "/token");
  // The server is the whole of Gatehouse: every route group, the admin API included.
  await app.register(gatehousePlugin, {
    gatehouse: options.gatehouse,
    routes: { token: true, self: true, admin: true },
  });
  registerHealthRoutes(app, options.gatehouse);
  registerMetrics(app, options.gatehouse, options.metrics ?? "public");
  return app;
}

/** Trusts the nearest `hops` proxies' X-Forwarded-For entries (proxy-addr's hop index). */
function trustHops(hops: number): boolean | ((address: string, hop: number) => boolean) {
  return hops > 0 ? (_address, hop) => hop < hops : false;
}
