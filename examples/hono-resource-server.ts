/**
 * A Hono resource server: Gatehouse's tokens verified offline from the issuer's JWKS (the
 * server needs GATEHOUSE_ALGORITHM=EdDSA, ES256 or RS256). `export default app` is what Bun,
 * Deno and Cloudflare Workers serve; on Node, pass `app` to @hono/node-server's `serve`.
 */
import { createRemoteVerifier, type VerifiedToken } from "gatehouse/verify";
import { bearerAuth } from "gatehouse/web";
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";

// The Gatehouse server's issuer (its GATEHOUSE_ISSUER, by default its URL), which serves the keys.
const issuer = process.env.GATEHOUSE_ISSUER ?? "http://127.0.0.1:8000";
const verifier = createRemoteVerifier({ issuer, jwksUrl: new URL("/.well-known/jwks.json", issuer) });

/** Lets a request through with `c.var.auth` set, or answers 401/403 as Gatehouse does. */
function requireBearer(scopes: string[]) {
  const authorize = bearerAuth(verifier, { scopes });
  return createMiddleware<{ Variables: { auth: VerifiedToken } }>(async (c, next) => {
    const result = await authorize(c.req.raw);
    if (!result.ok) return result.response;
    c.set("auth", result.auth);
    await next();
  });
}

const app = new Hono();
app.get("/orders", requireBearer(["me"]), (c) => c.json({ owner: c.var.auth.claims.sub, orders: [] }));
app.get("/reports", requireBearer(["admin"]), (c) => c.json({ reports: [] }));

export default app;
