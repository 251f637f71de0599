import type { Command } from "commander";
import type { ConfigOverrides, ServerConfig } from "../../server/config.js";
import { addConfigOptions, type ConfigFlags, loadConfigFromFlags, toOverrides } from "../config-options.js";
import { CliError, type CliIo, writeLine } from "../io.js";

interface ServeFlags extends ConfigFlags {
  host?: string;
  port?: string;
  trustProxy?: string;
  metrics?: string;
  refreshReuseInterval?: string;
  sessionMaxAge?: string;
  demo?: boolean;
  workers?: string;
  registration?: string;
  requireVerifiedEmail?: string;
  smtpUrl?: string;
  mailFrom?: string;
  appUrl?: string;
  mailTemplates?: string;
}

const SHUTDOWN_SIGNALS = ["SIGTERM", "SIGINT"] as const;

/** Registers `gatehouse serve`. */
export function registerServeCommand(program: Command, io: CliIo): void {
  addConfigOptions(
    program
      .command("serve")
      .description("run the HTTP server until SIGTERM or SIGINT")
      .option("--host <host>", "address to listen on (env HOST, default 127.0.0.1)")
      .option("--port <port>", "port to listen on, 0 for any free one (env PORT, default 8000)")
      .option("--trust-proxy <hops>", "trust X-Forwarded-For from this many proxies (env GATEHOUSE_TRUST_PROXY)")
      .option(
        "--metrics <access>",
        "who may read GET /metrics: public, admin or off (env GATEHOUSE_METRICS, default public)",
      )
      .option(
        "--refresh-reuse-interval <seconds>",
        "a used refresh token may be presented again this long for the same successor (env GATEHOUSE_REFRESH_REUSE_INTERVAL, default 10)",
      )
      .option(
        "--session-max-age <seconds>",
        "a login session's absolute lifetime (env GATEHOUSE_SESSION_MAX_AGE, default 2592000 = 30 days)",
      )
      .option("--registration <mode>", "open (POST /register) or closed (env GATEHOUSE_REGISTRATION, default closed)")
      .option(
        "--require-verified-email <bool>",
        "refuse logins of users with an unverified e-mail (env GATEHOUSE_REQUIRE_VERIFIED_EMAIL, default false)",
      )
      .option(
        "--smtp-url <url>",
        "smtp://…, smtps://… or log: for outgoing mail (env GATEHOUSE_SMTP_URL; prefer the env for a URL with a password)",
      )
      .option("--mail-from <address>", "sender of outgoing mail (env GATEHOUSE_MAIL_FROM)")
      .option("--app-url <url>", "base of the links in mails (env GATEHOUSE_APP_URL, default the issuer)")
      .option(
        "--mail-templates <folder>",
        "folder of mail templates replacing the built-in ones (env GATEHOUSE_MAIL_TEMPLATES)",
      )
      .option("--demo", "add the tutorial users if they are missing")
      .option(
        "--workers <n>",
        "server processes on one port: a number, or auto for one per core (env GATEHOUSE_WORKERS, default 1)",
      ),
  ).action((flags: ServeFlags) => serve(flags, io));
}

/**
 * Starts the server, prints its URL once it listens, and on the first SIGTERM/SIGINT stops
 * accepting, finishes requests in flight and closes the database; a second signal exits at once.
 */
export async function serve(flags: ServeFlags, io: CliIo): Promise<void> {
  // Loaded here, not at startup: Fastify and its plugins are the heaviest part of the CLI.
  const [{ startServer }, { resolveWorkerCount }] = await Promise.all([
    import("../../server/main.js"),
    import("../../server/cluster/worker-count.js"),
  ]);
  const overrides: ConfigOverrides = toOverrides(flags);
  if (flags.host !== undefined) overrides.host = flags.host;
  if (flags.port !== undefined) overrides.port = flags.port;
  if (flags.trustProxy !== undefined) overrides.trustProxy = flags.trustProxy;
  if (flags.metrics !== undefined) overrides.metrics = flags.metrics;
  if (flags.refreshReuseInterval !== undefined) overrides.refreshReuseInterval = flags.refreshReuseInterval;
  if (flags.sessionMaxAge !== undefined) overrides.sessionMaxAge = flags.sessionMaxAge;
  for (const name of [
    "registration",
    "requireVerifiedEmail",
    "smtpUrl",
    "mailFrom",
    "appUrl",
    "mailTemplates",
  ] as const) {
    const value = flags[name];
    if (value !== undefined) overrides[name] = value;
  }
  const config = await loadConfigFromFlags(io.env, overrides);
  const workers =
    flags.workers !== undefined
      ? asBadUsage(() => resolveWorkerCount(flags.workers, "--workers"))
      : resolveWorkerCount(io.env.GATEHOUSE_WORKERS, "GATEHOUSE_WORKERS");
  const cluster = (await import("node:cluster")).default;
  if (cluster.isWorker) return serveAsWorker(config, io);

  // Listening before the server starts, so a signal during startup still shuts down cleanly.
  const shutdown = listenForShutdown(io);
  try {
    const log = (line: string) => writeLine(io.stdout, line);
    const server =
      workers > 1
        ? await (await import("../../server/cluster/primary.js")).startCluster(config, {
            workers,
            demo: flags.demo === true,
            log,
          })
        : await startServer(config, { demo: flags.demo === true, log });
    writeLine(io.stdout, `Gatehouse listening on ${server.url}`);
    const signal = await shutdown.requested;
    writeLine(io.stdout, `Received ${signal}, shutting down (send it again to exit at once)`);
    await server.close();
  } finally {
    shutdown.dispose();
  }
}

/**
 * A cluster worker: serves until its primary asks it to stop (or goes away), or a signal
 * comes. The primary prints what the operator needs; the worker says only that it listens.
 */
async function serveAsWorker(config: ServerConfig, io: CliIo): Promise<void> {
  const [{ startServer }, { workerSharedCounters }, messages] = await Promise.all([
    import("../../server/main.js"),
    import("../../server/cluster/shared-counters.js"),
    import("../../server/cluster/cluster-messages.js"),
  ]);
  const shutdown = listenForShutdown(io);
  // Listened for before starting: the primary may ask a worker still starting to stop.
  const primaryAsked = new Promise<void>((resolve) => {
    process.on("message", (message: unknown) => {
      if (messages.isShutdownMessage(message)) resolve();
    });
    process.once("disconnect", () => resolve());
  });
  try {
    const chosen = { port: io.env[messages.WORKER_PORT_VARIABLE], issuer: io.env[messages.WORKER_ISSUER_VARIABLE] };
    const workerConfig: ServerConfig = {
      ...config,
      ...(chosen.port === undefined ? {} : { port: Number(chosen.port) }),
      gatehouse: { ...config.gatehouse, ...(chosen.issuer === undefined ? {} : { issuer: chosen.issuer }) },
    };
    const server = await startServer(workerConfig, {
      demo: false,
      log: () => undefined,
      counters: workerSharedCounters(),
      purgeExpiredRows: false,
      deliverWebhooks: false,
    });
    process.send?.({ gatehouse: "listening", url: server.url });
    await Promise.race([primaryAsked, shutdown.requested]);
    await server.close();
  } finally {
    shutdown.dispose();
    process.disconnect?.();
  }
}

/** A bad flag value is bad usage (exit 2); the same value from the environment is a failure (1). */
function asBadUsage<T>(readFlag: () => T): T {
  try {
    return readFlag();
  } catch (error) {
    throw error instanceof Error && error.name === "ConfigError" ? new CliError(error.message, 2) : error;
  }
}

interface ShutdownListener {
  /** Resolves with the first signal received. */
  requested: Promise<NodeJS.Signals>;
  dispose(): void;
}

function listenForShutdown(io: CliIo): ShutdownListener {
  const signals = io.signals ?? process;
  const exit = io.exit ?? ((code: number) => process.exit(code));
  let received: NodeJS.Signals | undefined;
  let resolve: (signal: NodeJS.Signals) => void = () => undefined;
  const requested = new Promise<NodeJS.Signals>((done) => {
    resolve = done;
  });
  const handlers = SHUTDOWN_SIGNALS.map((signal) => {
    const handler = () => {
      if (received === undefined) {
        received = signal;
        resolve(signal);
        return;
      }
      writeLine(io.stderr, `gatehouse: ${signal} again, exiting without waiting for requests in flight`);
      exit(1);
    };
    signals.on(signal, handler);
    return [signal, handler] as const;
  });
  return {
    requested,
    dispose() {
      for (const [signal, handler] of handlers) signals.off(signal, handler);
    },
  };
}
