/** `gatehouse/express`: Express middleware for resource servers. */

export type { BearerAuth, RequireBearerOptions } from "./require-bearer.js";
export { requireBearer } from "./require-bearer.js";
