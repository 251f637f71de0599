// What the primary and its workers tell each other besides throttling counters.

/**
 * The port and issuer the primary chose, handed to each worker in its environment: they win
 * over the worker's own flags (`--port 0` would otherwise give every worker another port).
 */
export const WORKER_PORT_VARIABLE = "GATEHOUSE_CLUSTER_PORT";
export const WORKER_ISSUER_VARIABLE = "GATEHOUSE_CLUSTER_ISSUER";

/** A worker listens and serves. */
export interface ListeningMessage {
  gatehouse: "listening";
  url: string;
}

/** The primary asks a worker to stop accepting, finish requests in flight and exit. */
export interface ShutdownMessage {
  gatehouse: "shutdown";
}

export function isListeningMessage(message: unknown): message is ListeningMessage {
  return typeof message === "object" && message !== null && Reflect.get(message, "gatehouse") === "listening";
}

export function isShutdownMessage(message: unknown): message is ShutdownMessage {
  return typeof message === "object" && message !== null && Reflect.get(message, "gatehouse") === "shutdown";
}
