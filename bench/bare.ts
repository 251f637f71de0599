import { benchScript } from "./paths.js";
import { type ServerProcess, startServerProcess } from "./processes.js";

/** The compiled bare Fastify server. */
export const BARE_FASTIFY = benchScript("servers/bare-fastify.js");

/** Starts the bare Fastify baseline in its own process. */
export function startBareFastify(workers = "1"): Promise<ServerProcess> {
  return startServerProcess({ name: "bare-fastify", args: [BARE_FASTIFY, "--port", "0", "--workers", workers] });
}
