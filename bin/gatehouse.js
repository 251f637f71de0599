#!/usr/bin/env node
// The CLI is compiled TypeScript; `npm run build` writes it to dist/.
try {
  await import("../dist/cli/main.js");
} catch (error) {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist/cli/main.js")) {
    process.stderr.write("gatehouse: not built yet; run `npm run build` first\n");
    process.exit(1);
  }
  throw error;
}
