import { createProcessIo } from "./io.js";
import { runCli } from "./program.js";

// `gatehouse users list | head -1` closes the pipe early: the reader's choice, not a failure.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") process.stderr.write(`gatehouse: cannot write the output: ${error.message}\n`);
  process.exit(error.code === "EPIPE" ? 0 : 1);
});

const code = await runCli(process.argv.slice(2), createProcessIo());
process.exitCode = code;
// Every command closes what it opened, so the process ends by itself; this only guards
// against a stray handle (a driver's pool) keeping it alive after the work is done.
setTimeout(() => process.exit(code), 2000).unref();
