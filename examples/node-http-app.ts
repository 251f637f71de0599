/**
 * A plain node:http app using the core: `currentActiveUser` checks each token against the
 * database, so a revoked token or a disabled user is refused at once. Users log in at a
 * Gatehouse server (or a Fastify app) sharing the SQLite file.
 * Run: `GATEHOUSE_ISSUER=http://127.0.0.1:8000 PORT=3002 DATABASE_PATH=./gatehouse.db node node-http-app.js`.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createGatehouse, extractBearerToken } from "gatehouse";
import { sqliteStore } from "gatehouse/sqlite";
import { errorReply, isGatehouseError } from "gatehouse/verify";

const gatehouse = await createGatehouse({
  store: await sqliteStore(process.env.DATABASE_PATH ?? "./gatehouse.db"),
  // The issuer of the server the users log in at (its GATEHOUSE_ISSUER, by default its URL).
  issuer: process.env.GATEHOUSE_ISSUER ?? "http://127.0.0.1:8000",
});
const scopes = ["me"];

const server = createServer(async (req, res) => {
  const send = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    res.writeHead(status, { ...headers, "content-type": "application/json" }).end(JSON.stringify(body));
  if (req.method !== "GET" || req.url !== "/items") return send(404, { detail: "Not Found" });
  try {
    const { user } = await gatehouse.currentActiveUser(extractBearerToken(req.headers.authorization), scopes);
    send(200, { owner: user.username, items: [] });
  } catch (error) {
    if (!isGatehouseError(error)) return send(500, { detail: "Internal Server Error" });
    // 401, 403 or 400 "Inactive user", with the WWW-Authenticate challenge: as the Fastify plugin answers.
    const { status, headers, body } = errorReply(error, { endpoint: "resource", requiredScopes: scopes });
    send(status, body, headers);
  }
});

server.listen(Number(process.env.PORT ?? 3002), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.once("SIGTERM", () => server.close(() => void gatehouse.close()));
