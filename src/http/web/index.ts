/** `gatehouse/web`: bearer authentication for fetch-API runtimes (Hono, Bun, Deno, Workers). */

export type { BearerAuthOptions, BearerAuthResult } from "./bearer-auth.js";
export { bearerAuth } from "./bearer-auth.js";
