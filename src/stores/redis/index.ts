/** `gatehouse/redis`: throttling counters in Redis, shared by every process that uses it. */

export type { RedisAttempts, RedisAttemptsOptions } from "./redis-attempts.js";
export { createRedisAttempts } from "./redis-attempts.js";
