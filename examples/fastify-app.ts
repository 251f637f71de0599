/**
 * A Fastify app with Gatehouse inside: it issues tokens itself (POST /token) and protects its
 * own routes. Its users live in the SQLite file a `gatehouse serve` or `npx gatehouse users add`
 * may share (with the same GATEHOUSE_ISSUER, each accepts the other's tokens).
 * Run: `PORT=3000 DATABASE_PATH=./gatehouse.db node fastify-app.js`.
 */
import Fastify from "fastify";
import { createGatehouse } from "gatehouse";
import { gatehousePlugin } from "gatehouse/fastify";
import { sqliteStore } from "gatehouse/sqlite";

const gatehouse = await createGatehouse({
  store: await sqliteStore(process.env.DATABASE_PATH ?? "./gatehouse.db"),
  // This app's public URL: tokens name it in `iss`, and only tokens naming it are accepted.
  issuer: process.env.GATEHOUSE_ISSUER ?? "http://127.0.0.1:3000",
});
const app = Fastify();
// POST /token, /revoke, /users/me, /logout, …; `routes: { admin: true }` adds the admin user API.
await app.register(gatehousePlugin, { gatehouse });
app.addHook("onClose", () => gatehouse.close());

app.get("/items", { onRequest: app.gatehouse.requireActiveUser(["me"]) }, async (request) => ({
  owner: request.user?.username,
  items: [],
}));

const address = await app.listen({ host: "127.0.0.1", port: Number(process.env.PORT ?? 3000) });
console.log(`listening on ${address}`);
process.once("SIGTERM", () => void app.close());
