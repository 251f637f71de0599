import type { Gatehouse, SigningAlgorithm } from "../../src/core/index.js";
import { loadConfig } from "../../src/server/config.js";
import { type RunningServer, startServer } from "../../src/server/main.js";
import { createTestHasher } from "../support/fixtures.js";

/** The audience the interop issuers put in `aud` (RFC 9068 §2.2 requires one; oauth4webapi and express-oauth2-jwt-bearer check it). */
export const API_AUDIENCE = "https://api.example.com";
export const ADMIN = { username: "root", password: "root-password-1" };

/** A real `gatehouse serve` in this process: its default issuer, a memory store, the tutorial users and an admin. */
export interface InteropIssuer {
  /** The base URL it listens on, which is also its issuer. */
  url: string;
  gatehouse: Gatehouse;
  /** Logs in through POST /token over the socket and returns the token response. */
  login(username?: string, password?: string, extra?: Record<string, string>): Promise<TokenBody>;
  close(): Promise<void>;
}

/** POST /token's answer. */
export interface TokenBody {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
}

/** Options of {@link startInteropIssuer}: environment of the server, as an operator would set it. */
export interface InteropIssuerOptions {
  algorithm?: SigningAlgorithm;
  /** Default {@link API_AUDIENCE}; `null` for none. */
  audience?: string | null;
  env?: Record<string, string>;
}

/**
 * Starts the server the way `gatehouse serve --port 0 --demo` does (issuer not configured, so it
 * is the URL it listens on), with cheap password hashing.
 */
export async function startInteropIssuer(options: InteropIssuerOptions = {}): Promise<InteropIssuer> {
  const audience = options.audience === undefined ? API_AUDIENCE : options.audience;
  const env = {
    GATEHOUSE_LOG_LEVEL: "error",
    GATEHOUSE_ALGORITHM: options.algorithm ?? "EdDSA",
    ...(audience === null ? {} : { GATEHOUSE_AUDIENCE: audience }),
    ...options.env,
  };
  const config = loadConfig(env, { databaseUrl: "memory:", host: "127.0.0.1", port: 0 });
  config.gatehouse.hasher = createTestHasher();
  const server: RunningServer = await startServer(config, { demo: true, log: () => undefined });
  await server.gatehouse.users.create({
    username: ADMIN.username,
    email: "root@example.com",
    password: ADMIN.password,
    scopes: ["me", "admin"],
  });
  return {
    url: server.url,
    gatehouse: server.gatehouse,
    async login(username = "johndoe", password = "secret", extra = {}) {
      const response = await fetch(`${server.url}/token`, {
        method: "POST",
        body: new URLSearchParams({ username, password, ...extra }),
      });
      if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`);
      return (await response.json()) as TokenBody;
    },
    close: () => server.close(),
  };
}

/** The decoded header and payload of a JWT, unverified (for assertions). */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token
    .split(".")
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, "base64url").toString()));
  return { header, payload };
}
