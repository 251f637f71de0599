// The framework's ceiling: a bare Fastify 5 route that answers GET /users/me with the same
// JSON Gatehouse serves, through the same kind of response schema, with no authentication.
// Run in its own process: `node dist/bench/servers/bare-fastify.js [--port P]`.
import Fastify from "fastify";

/** The body Gatehouse returns for the demo user johndoe. */
export const JOHNDOE = {
  username: "johndoe",
  email: "johndoe@example.com",
  full_name: "John Doe",
  disabled: false,
  scopes: ["me"],
};

const publicUserSchema = {
  type: "object",
  properties: {
    username: { type: "string" },
    email: { type: "string" },
    full_name: { type: "string" },
    disabled: { type: "boolean" },
    scopes: { type: "array", items: { type: "string" } },
  },
  additionalProperties: false,
} as const;

const portIndex = process.argv.indexOf("--port");
const port = portIndex > 0 ? Number(process.argv[portIndex + 1]) : 0;

const app = Fastify({ logger: false });
app.get("/users/me", { schema: { response: { 200: publicUserSchema } } }, async () => JOHNDOE);
app.get("/healthz", async () => ({ status: "ok" }));

const address = await app.listen({ host: "127.0.0.1", port });
process.stdout.write(`Bare Fastify listening on ${address}\n`);

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
