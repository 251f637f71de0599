import type { Command } from "commander";
import type { ConfigOverrides } from "../../server/config.js";
import { addConfigOptions, type ConfigFlags, toOverrides } from "../config-options.js";
import { type CliIo, writeLine } from "../io.js";

interface ServeFlags extends ConfigFlags {
  host?: string;
  port?: string;
  trustProxy?: string;
  refreshReuseInterval?: string;
  sessionMaxAge?: string;
  demo?: boolean;
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
        "--refresh-reuse-interval <seconds>",
        "a used refresh token may be presented again this long for the same successor (env GATEHOUSE_REFRESH_REUSE_INTERVAL, default 10)",
      )
      .option(
        "--session-max-age <seconds>",
        "a login session's absolute lifetime (env GATEHOUSE_SESSION_MAX_AGE, default 2592000 = 30 days)",
      )
      .option("--demo", "add the tutorial users if they are missing"),
  ).action((flags: ServeFlags) => serve(flags, io));
}

/**
 * Starts the server, prints its URL once it listens, and on the first SIGTERM/SIGINT stops
 * accepting, finishes requests in flight and closes the database; a second signal exits at once.
 */
export async function serve(flags: ServeFlags, io: CliIo): Promise<void> {
  // Loaded here, not at startup: Fastify and its plugins are the heaviest part of the CLI.
  const [{ loadConfig }, { startServer }] = await Promise.all([
    import("../../server/config.js"),
    import("../../server/main.js"),
  ]);
  const overrides: ConfigOverrides = toOverrides(flags);
  if (flags.host !== undefined) overrides.host = flags.host;
  if (flags.port !== undefined) overrides.port = flags.port;
  if (flags.trustProxy !== undefined) overrides.trustProxy = flags.trustProxy;
  if (flags.refreshReuseInterval !== undefined) overrides.refreshReuseInterval = flags.refreshReuseInterval;
  if (flags.sessionMaxAge !== undefined) overrides.sessionMaxAge = flags.sessionMaxAge;
  const config = loadConfig(io.env, overrides);

  // Listening before the server starts, so a signal during startup still shuts down cleanly.
  const shutdown = listenForShutdown(io);
  try {
    const server = await startServer(config, {
      demo: flags.demo === true,
      log: (line) => writeLine(io.stdout, line),
    });
    writeLine(io.stdout, `Gatehouse listening on ${server.url}`);
    const signal = await shutdown.requested;
    writeLine(io.stdout, `Received ${signal}, shutting down (send it again to exit at once)`);
    await server.close();
  } finally {
    shutdown.dispose();
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
