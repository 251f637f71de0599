import { createProcessIo } from "./io.js";
import { runCli } from "./program.js";

async function main(): Promise<void> {
  const code = await runCli(process.argv.slice(2), createProcessIo());
  process.exitCode = code;
  // Every command closes what it opened, so the process ends by itself; this only guards
  // against a stray handle (a driver's pool) keeping it alive after the work is done.
  setTimeout(() => process.exit(code), 2000).unref();
}

await main();
