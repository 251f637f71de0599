// What the primary and its workers tell each other besides throttling counters.

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
