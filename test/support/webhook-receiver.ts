import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { verifyWebhookSignature } from "../../src/core/audit/webhook-signature.js";

/** How the receiver answers: 204, 500, or never (the request hangs until the client gives up). */
export type ReceiverMode = "ok" | "fail" | "hang";

/** One request the receiver got, with what it made of it. */
export interface ReceivedDelivery {
  /** The event id from the body. */
  id: string;
  username: string | null;
  type: string;
  body: string;
  signatureValid: boolean;
  /** The mode it was answered in; only "ok" deliveries count as delivered. */
  answeredAs: ReceiverMode;
}

/** A real local webhook receiver (node:http) whose behaviour a test switches at will. */
export interface WebhookReceiver {
  readonly url: string;
  mode: ReceiverMode;
  /** Every request, in arrival order. */
  readonly requests: ReceivedDelivery[];
  /** The requests it acknowledged with a 2xx. */
  delivered(): ReceivedDelivery[];
  /** Stops listening (connections are refused) until {@link up}. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1 that checks each request's signature with `secret`. */
export async function startWebhookReceiver(secret: string, mode: ReceiverMode = "ok"): Promise<WebhookReceiver> {
  const requests: ReceivedDelivery[] = [];
  const hanging = new Set<ServerResponse>();
  let server: Server;
  let port = 0;
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      body += chunk;
    });
    request.on("end", () => {
      const header = request.headers["gatehouse-signature"];
      const parsed = JSON.parse(body) as { id: string; username: string | null; type: string };
      const answeredAs = receiver.mode;
      requests.push({
        id: parsed.id,
        username: parsed.username,
        type: parsed.type,
        body,
        signatureValid: verifyWebhookSignature(secret, typeof header === "string" ? header : undefined, body),
        answeredAs,
      });
      if (answeredAs === "ok") response.writeHead(204).end();
      else if (answeredAs === "fail") response.writeHead(500, { "content-type": "text/plain" }).end("broken");
      else hanging.add(response);
    });
  };
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer(handle);
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const response of hanging) response.destroy();
      hanging.clear();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  await listen();
  const receiver: WebhookReceiver = {
    url: `http://127.0.0.1:${port}/hook`,
    mode,
    requests,
    delivered: () => requests.filter((request) => request.answeredAs === "ok"),
    down: stop,
    up: listen,
    close: stop,
  };
  return receiver;
}

/** Polls until `check` holds; generous, so a busy machine does not fail the test. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return check();
}
