import { randomUUID } from "node:crypto";
import type { Clock } from "../clock.js";
import type { WebhookDelivery, WebhookOutboxStore } from "../store.js";
import { signWebhook, WEBHOOK_SIGNATURE_HEADER } from "./webhook-signature.js";

/** How one delivery attempt ended, as the metrics count it. */
export type WebhookOutcome = "delivered" | "rejected" | "unreachable" | "timeout";

/** Where and how audit events are POSTed. */
export interface WebhookOptions {
  /** The receiver, `http://` or `https://`. */
  url: string;
  /** The HMAC-SHA256 key of `Gatehouse-Signature`; at least 16 characters. */
  secret: string;
  /** Milliseconds a receiver has to answer; default 10 000. */
  timeoutMs?: number;
  /** Deliveries in flight at once (to different users); default 8. */
  concurrency?: number;
  /** The first retry's delay in ms, doubled for each failure after; default 1000. */
  retryBaseMs?: number;
  /** The longest delay between retries in ms; default 600 000 (10 minutes). */
  retryMaxMs?: number;
  /** How often to look for due deliveries when idle, in ms; default 500. */
  pollIntervalMs?: number;
}

/** The deliverer of one process: runs on its own timer until stopped. */
export interface WebhookDeliverer {
  /** Claims and sends what is due now (the timer does this on its own). */
  deliverDue(): Promise<void>;
  /** Calls `listener` after every attempt with its outcome. */
  onDelivery(listener: (outcome: WebhookOutcome) => void): void;
  /** How many deliveries wait, and how old the oldest is in seconds (0 when none). */
  stats(): Promise<{ depth: number; oldestAgeSeconds: number }>;
  /** Stops claiming, aborts deliveries in flight (they are retried later, by this or another process). */
  stop(): Promise<void>;
}

/** What {@link createWebhookDeliverer} needs; options as resolved by `resolveOptions`. */
export interface WebhookDelivererOptions extends Required<WebhookOptions> {
  store: WebhookOutboxStore;
  clock: Clock;
  /** Told of a store failure (the database briefly away); the next run tries again. */
  onError: (error: unknown) => void;
  /** Random numbers in [0, 1) for the jitter; `Math.random` by default. */
  random?: () => number;
}

/**
 * The delay before retry number `attempt` (1 for the first): exponential, capped, with "equal
 * jitter" (between half and all of it), so receivers coming back are not hit by every instance
 * at the same moment.
 */
export function webhookRetryDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const delay = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 40));
  return Math.round(delay / 2 + (random() * delay) / 2);
}

/**
 * Delivers the webhook outbox: claims due events (the oldest of each user, under a lease),
 * POSTs each with its signature, and completes it on a 2xx answer or reschedules it with
 * backoff otherwise (an error status, a refused connection, no answer within the timeout).
 * At least once: a process killed mid-delivery leaves its lease to run out, and the event is
 * sent again. Nothing here runs on a request's path.
 */
export function createWebhookDeliverer(options: WebhookDelivererOptions): WebhookDeliverer {
  const { store, clock, url, secret, concurrency } = options;
  const random = options.random ?? Math.random;
  const owner = randomUUID();
  // Longer than a delivery can take, so a lease never runs out while this process still sends.
  const leaseMs = options.timeoutMs * 2 + 5_000;
  const listeners: Array<(outcome: WebhookOutcome) => void> = [];
  const inFlight = new Set<Promise<void>>();
  const stopping = new AbortController();
  let pumping = false;
  let again = false;

  const report = (outcome: WebhookOutcome) => {
    for (const listener of listeners) listener(outcome);
  };

  // One controller per request, aborted by its own timer or by stop(): AbortSignal.any() over
  // a long-lived signal keeps every request's signal alive in Node 20.
  const aborts = new Set<AbortController>();
  const send = async (delivery: WebhookDelivery): Promise<WebhookOutcome> => {
    const abort = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, options.timeoutMs);
    aborts.add(abort);
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "Gatehouse-Webhook/1",
          [WEBHOOK_SIGNATURE_HEADER]: signWebhook(secret, clock.now() / 1000, delivery.payload),
        },
        body: delivery.payload,
        signal: abort.signal,
        redirect: "manual",
      });
      // The answer's body is not read: a receiver cannot make this process buffer anything.
      await response.body?.cancel().catch(() => undefined);
      return response.status >= 200 && response.status < 300 ? "delivered" : "rejected";
    } catch {
      return timedOut ? "timeout" : "unreachable";
    } finally {
      clearTimeout(timer);
      aborts.delete(abort);
    }
  };

  const deliver = async (delivery: WebhookDelivery) => {
    const outcome = await send(delivery);
    try {
      if (outcome === "delivered") {
        await store.completeWebhookDelivery(delivery.id, owner);
      } else {
        const delay = stopping.signal.aborted
          ? 0
          : webhookRetryDelay(delivery.attempts + 1, options.retryBaseMs, options.retryMaxMs, random);
        await store.retryWebhookDelivery(delivery.id, owner, clock.now() + delay, outcome);
      }
    } catch (error) {
      // The lease runs out and the event goes again: at least once.
      options.onError(error);
    }
    if (!stopping.signal.aborted) report(outcome);
  };

  const track = (delivery: WebhookDelivery) => {
    const running: Promise<void> = deliver(delivery).finally(() => {
      inFlight.delete(running);
      if (!stopping.signal.aborted) void deliverDue();
    });
    inFlight.add(running);
  };

  const deliverDue = async (): Promise<void> => {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        while (!stopping.signal.aborted && inFlight.size < concurrency) {
          const claimed = await store.claimWebhookDeliveries({
            now: clock.now(),
            limit: concurrency - inFlight.size,
            leaseMs,
            owner,
          });
          if (stopping.signal.aborted) {
            // Claimed while stopping: give them back at once.
            await Promise.all(claimed.map((d) => store.retryWebhookDelivery(d.id, owner, clock.now(), "stopped")));
            return;
          }
          for (const delivery of claimed) track(delivery);
          if (claimed.length === 0) break;
        }
      } while (again && !stopping.signal.aborted);
    } catch (error) {
      options.onError(error);
    } finally {
      pumping = false;
    }
  };

  const timer = setInterval(() => void deliverDue(), options.pollIntervalMs);
  // The timer alone never keeps a process alive; stop() clears it.
  timer.unref();
  void deliverDue();

  return {
    deliverDue,
    onDelivery(listener) {
      listeners.push(listener);
    },
    async stats() {
      const { depth, oldestCreatedAt } = await store.webhookOutboxStats();
      return {
        depth,
        oldestAgeSeconds: oldestCreatedAt === null ? 0 : Math.max(0, (clock.now() - oldestCreatedAt) / 1000),
      };
    },
    async stop() {
      clearInterval(timer);
      stopping.abort();
      for (const abort of aborts) abort.abort();
      while (inFlight.size > 0 || pumping) {
        await Promise.allSettled([...inFlight]);
        if (pumping) await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
  };
}
