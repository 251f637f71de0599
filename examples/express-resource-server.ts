/**
 * An Express resource server: it verifies Gatehouse's tokens offline, from the issuer's JWKS
 * (the server needs GATEHOUSE_ALGORITHM=EdDSA, ES256 or RS256), and never sees the user database.
 * Run: `GATEHOUSE_ISSUER=http://127.0.0.1:8000 PORT=3001 node express-resource-server.js`.
 */
import type { AddressInfo } from "node:net";
import express from "express";
import { requireBearer } from "gatehouse/express";
import { createRemoteVerifier } from "gatehouse/verify";

// The Gatehouse server's issuer (its GATEHOUSE_ISSUER, by default its URL), which serves the keys.
const issuer = process.env.GATEHOUSE_ISSUER ?? "http://127.0.0.1:8000";
const verifier = createRemoteVerifier({ issuer, jwksUrl: new URL("/.well-known/jwks.json", issuer) });

const app = express();
app.get("/orders", requireBearer(verifier, { scopes: ["me"] }), (req, res) => {
  res.json({ owner: req.auth?.claims.sub, orders: [] });
});
app.get("/reports", requireBearer(verifier, { scopes: ["admin"] }), (_req, res) => {
  res.json({ reports: [] });
});

const server = app.listen(Number(process.env.PORT ?? 3001), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.once("SIGTERM", () => server.close());
