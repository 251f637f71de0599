// Timing side of "no user enumeration": a login with an unknown username must take as long
// as one with a wrong password for an existing user. Starts the built server (dist/, OWASP
// argon2id parameters, throttling off so every attempt reaches the hasher), sends the two
// kinds of login one after the other, alternating which goes first, and compares medians.
//
//   npm run build && node bench/enumeration.mjs [--logins 300] [--tolerance 0.05]
//
// Exits 1 when the medians differ by more than the tolerance.

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  createDatabase,
  median,
  quantile,
  root,
  runToEnd,
  startServer,
  timedPost,
  withoutGatehouseSettings,
} from "./timing-script.mjs";

const { values } = parseArgs({
  options: { logins: { type: "string", default: "300" }, tolerance: { type: "string", default: "0.05" } },
});
const LOGINS = Number(values.logins);
const TOLERANCE = Number(values.tolerance);
const WARM_UP = 20;
const USER = { username: "johndoe", password: "correct horse battery staple" };

if (!existsSync(join(root, "dist/cli/main.js"))) {
  process.stderr.write("bench/enumeration.mjs runs the built server: run `npm run build` first\n");
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), "gatehouse-enumeration-"));
const env = { ...withoutGatehouseSettings(process.env), GATEHOUSE_DATABASE_URL: createDatabase(join(dir, "bench.db")) };
let server;
try {
  await runToEnd(
    dir,
    env,
    ["users", "add", USER.username, "--email", "johndoe@example.com", "--password-stdin"],
    `${USER.password}\n`,
  );
  server = await startServer(dir, { ...env, GATEHOUSE_THROTTLE: "off", GATEHOUSE_LOG_LEVEL: "error" });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const wrongPassword = () => login(server.url, agent, USER.username, "not the password at all");
  let unknownCount = 0;
  const unknownUser = () => login(server.url, agent, `nobody-${++unknownCount}`, "not the password at all");

  for (let index = 0; index < WARM_UP; index++) {
    await wrongPassword();
    await unknownUser();
  }
  const timings = { wrongPassword: [], unknownUser: [] };
  for (let index = 0; index < LOGINS; index++) {
    // Alternate the order so drift (thermal, GC, other load) falls on both sides alike.
    const pair = index % 2 === 0 ? ["wrongPassword", "unknownUser"] : ["unknownUser", "wrongPassword"];
    for (const kind of pair) {
      const { ms, status, body } = await (kind === "wrongPassword" ? wrongPassword() : unknownUser());
      if (status !== 400) throw new Error(`${kind} login answered ${status}: ${body}`);
      timings[kind].push(ms);
    }
  }

  const wrong = median(timings.wrongPassword);
  const unknown = median(timings.unknownUser);
  const ratio = unknown / wrong;
  const within = Math.abs(ratio - 1) <= TOLERANCE;
  const line = (name, samples) =>
    `${name.padEnd(16)} median ${median(samples).toFixed(2)} ms   p10 ${quantile(samples, 0.1).toFixed(2)} ms   p90 ${quantile(samples, 0.9).toFixed(2)} ms   (${samples.length} logins)`;
  process.stdout.write(
    [
      "Login timing, unknown username vs wrong password (argon2id m=19456 t=2 p=1, throttling off, one at a time)",
      line("wrong password", timings.wrongPassword),
      line("unknown user", timings.unknownUser),
      `paired           median of (unknown - wrong) within each pair ${median(timings.unknownUser.map((ms, index) => ms - (timings.wrongPassword[index] ?? ms))).toFixed(2)} ms`,
      `ratio unknown/wrong ${ratio.toFixed(3)} (${((ratio - 1) * 100).toFixed(1)}%): ${within ? "within" : "OUTSIDE"} ±${(TOLERANCE * 100).toFixed(0)}%`,
      "",
    ].join("\n"),
  );
  agent.destroy();
  process.exitCode = within ? 0 : 1;
} finally {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
}

function login(url, agent, username, password) {
  return timedPost(
    `${url}/token`,
    agent,
    "application/x-www-form-urlencoded",
    new URLSearchParams({ username, password }).toString(),
  );
}
