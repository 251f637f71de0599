import type { Worker } from "node:cluster";
import type { AttemptCounter, LoginAttemptStore, SharedLoginAttempts } from "../../core/index.js";
import { createMemoryAttemptStore } from "../../core/throttle/memory-attempts.js";

// Login throttling counters for cluster workers on one machine: the primary keeps them in its
// memory and each worker asks it over the IPC channel, so every worker counts the same
// attempts (a guess on worker 2 counts against the allowance on worker 1).

type CounterName = keyof SharedLoginAttempts;

interface CounterRequest {
  gatehouse: "counters";
  id: number;
  counter: CounterName;
  op: "increment" | "get" | "delete";
  args: unknown[];
}

interface CounterReply {
  gatehouse: "counters-reply";
  id: number;
  result?: unknown;
  error?: string;
}

function isCounterRequest(message: unknown): message is CounterRequest {
  return typeof message === "object" && message !== null && Reflect.get(message, "gatehouse") === "counters";
}

function isCounterReply(message: unknown): message is CounterReply {
  return typeof message === "object" && message !== null && Reflect.get(message, "gatehouse") === "counters-reply";
}

/** The primary's side: one set of counters, answering every worker's requests. */
export function hostSharedCounters(): { serve(worker: Worker): void } {
  const counters: SharedLoginAttempts = {
    failures: createMemoryAttemptStore(),
    knownLogins: createMemoryAttemptStore(),
  };
  const run = (request: CounterRequest): Promise<unknown> => {
    const store = counters[request.counter];
    const [first, second, third] = request.args;
    if (request.op === "increment") return store.increment(first as string, second as number, third as number);
    if (request.op === "get") return store.get(first as string[], second as number);
    return store.delete(first as string[]);
  };
  return {
    serve(worker) {
      worker.on("message", (message: unknown) => {
        if (!isCounterRequest(message) || (message.counter !== "failures" && message.counter !== "knownLogins")) return;
        run(message).then(
          (result) => reply(worker, { gatehouse: "counters-reply", id: message.id, result }),
          (error: unknown) => reply(worker, { gatehouse: "counters-reply", id: message.id, error: String(error) }),
        );
      });
    },
  };
}

function reply(worker: Worker, message: CounterReply): void {
  // A worker that exited meanwhile needs no answer.
  if (worker.isConnected()) worker.send(message);
}

/** A worker's side: counter stores that forward each step to the primary. */
export function workerSharedCounters(channel: NodeJS.Process = process): SharedLoginAttempts {
  let nextId = 0;
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  channel.on("message", (message: unknown) => {
    if (!isCounterReply(message)) return;
    const waiter = pending.get(message.id);
    if (waiter === undefined) return;
    pending.delete(message.id);
    if (message.error === undefined) waiter.resolve(message.result);
    else waiter.reject(new Error(`the primary's throttling counters failed: ${message.error}`));
  });
  const ask = (counter: CounterName, op: CounterRequest["op"], args: unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      if (channel.send === undefined || !channel.connected) {
        reject(new Error("not connected to the cluster primary"));
        return;
      }
      const id = nextId++;
      pending.set(id, { resolve, reject });
      channel.send({ gatehouse: "counters", id, counter, op, args } satisfies CounterRequest);
    });
  const storeOf = (counter: CounterName): LoginAttemptStore => ({
    increment: async (key, ttlMs, now) => (await ask(counter, "increment", [key, ttlMs, now])) as AttemptCounter,
    get: async (keys, now) => (await ask(counter, "get", [keys, now])) as Array<AttemptCounter | null>,
    delete: async (keys) => {
      await ask(counter, "delete", [keys]);
    },
  });
  return { failures: storeOf("failures"), knownLogins: storeOf("knownLogins") };
}
