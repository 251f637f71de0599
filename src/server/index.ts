/** `gatehouse/server`: the assembled Gatehouse server, for embedding or custom launchers. */

export type { BuildServerOptions, LogDestination } from "./build-server.js";
export { buildServer } from "./build-server.js";
export type { ConfigOverrides, MetricsAccess, ServerConfig } from "./config.js";
export { ConfigError, DEFAULT_DATABASE_URL, loadConfig } from "./config.js";
export type { RunningServer, StartServerOptions } from "./main.js";
export { startServer } from "./main.js";
export { openStore } from "./open-store.js";
