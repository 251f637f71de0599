// The framework's ceiling: a bare Fastify 5 route that answers GET /users/me with the same
// JSON Gatehouse serves, through the same kind of response schema, with no authentication.
// Run in its own process: `node dist/bench/servers/bare-fastify.js [--port P]`.
import cluster from "node:cluster";
import { availableParallelism } from "node:os";
import Fastify from "fastify";
import { JOHNDOE } from "./johndoe.js";

const publicUserSchema = {
  type: "object",
  properties: {
    username: { type: "string" },
    email: { type: "string" },
    email_verified: { type: "boolean" },
    full_name: { type: "string" },
    disabled: { type: "boolean" },
    scopes: { type: "array", items: { type: "string" } },
    mfa_enabled: { type: "boolean" },
  },
  additionalProperties: false,
} as const;

const portIndex = process.argv.indexOf("--port");
const port = portIndex > 0 ? Number(process.argv[portIndex + 1]) : 0;

// `--workers N|auto`: the same route in N cluster workers on one port, the baseline of
// `gatehouse serve --workers N` (the primary only forks and reports the URL).
const workersIndex = process.argv.indexOf("--workers");
const workersArg = workersIndex > 0 ? (process.argv[workersIndex + 1] as string) : "1";
const workers = workersArg === "auto" ? availableParallelism() : Number(workersArg);
if (workers > 1 && cluster.isPrimary) {
  let listening = 0;
  for (let index = 0; index < workers; index++) {
    cluster.fork().on("message", (message: { address?: string }) => {
      if (message.address !== undefined && ++listening === workers) {
        process.stdout.write(`Bare Fastify listening on ${message.address}\n`);
      }
    });
  }
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.kill("SIGTERM");
      cluster.on("exit", () => {
        if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      });
    });
  }
} else {
  await serve();
}

async function serve(): Promise<void> {
  const app = Fastify({ logger: false });
  app.get("/users/me", { schema: { response: { 200: publicUserSchema } } }, async () => JOHNDOE);
  app.get("/healthz", async () => ({ status: "ok" }));

  const address = await app.listen({ host: "127.0.0.1", port });
  if (cluster.isWorker) process.send?.({ address });
  else process.stdout.write(`Bare Fastify listening on ${address}\n`);

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      app.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}
