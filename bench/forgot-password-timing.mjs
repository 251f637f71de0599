// Timing side of "no user enumeration" for POST /password/forgot: the reply for an existing
// (verified), unverified, disabled and missing account must take the same time, because the
// lookup, the token write and the mail all happen off the request path. Starts the built
// server with real mail to a local SMTP server (smtp-server, in this process), throttling off
// so every request is answered, sends the four kinds in rotating order, compares medians.
//
//   npm run build && node bench/forgot-password-timing.mjs [--rounds 300] [--tolerance 0.10]
//
// Exits 1 when a median differs from the existing account's by more than the tolerance.

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { SMTPServer } from "smtp-server";
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
  options: { rounds: { type: "string", default: "300" }, tolerance: { type: "string", default: "0.10" } },
});
const ROUNDS = Number(values.rounds);
const TOLERANCE = Number(values.tolerance);
const WARM_UP = 20;
const GAP_MS = 5;
const KINDS = ["existing", "unverified", "disabled", "missing"];
const USERNAMES = { existing: "verified", unverified: "unverified", disabled: "disabled", missing: "nobody" };

if (!existsSync(join(root, "dist/cli/main.js"))) {
  process.stderr.write("bench/forgot-password-timing.mjs runs the built server: run `npm run build` first\n");
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), "gatehouse-forgot-"));
const dbPath = join(dir, "bench.db");
const env = { ...withoutGatehouseSettings(process.env), GATEHOUSE_DATABASE_URL: createDatabase(dbPath) };
let received = 0;
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS", "AUTH"],
  logger: false,
  onData(stream, _session, callback) {
    stream.on("data", () => undefined);
    stream.on("end", () => {
      received++;
      callback();
    });
  },
});
await new Promise((done) => smtp.listen(0, "127.0.0.1", done));
const smtpUrl = `smtp://127.0.0.1:${smtp.server.address().port}`;
let server;
try {
  for (const kind of ["existing", "unverified", "disabled"]) {
    await runToEnd(
      dir,
      env,
      [
        "users",
        "add",
        USERNAMES[kind],
        "--email",
        `${kind}@example.com`,
        "--password-stdin",
        ...(kind === "disabled" ? ["--disabled"] : []),
      ],
      "correct horse battery staple\n",
    );
  }
  // The CLI creates users unverified; the bench marks one verified straight in the database.
  const db = new Database(dbPath);
  db.prepare("UPDATE users SET email_verified = 1 WHERE username = ?").run(USERNAMES.existing);
  db.close();
  server = await startServer(dir, {
    ...env,
    GATEHOUSE_THROTTLE: "off",
    GATEHOUSE_LOG_LEVEL: "error",
    GATEHOUSE_SMTP_URL: smtpUrl,
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  for (let index = 0; index < WARM_UP; index++)
    for (const kind of KINDS) await forgot(server.url, agent, USERNAMES[kind]);
  const timings = Object.fromEntries(KINDS.map((kind) => [kind, []]));
  const bodies = new Set();
  for (let index = 0; index < ROUNDS; index++) {
    // A random order each round, so drift (GC, other load) falls on every kind alike; and a short
    // gap, so the background work one request starts is not charged to the next one.
    for (const kind of shuffled(KINDS)) {
      await new Promise((done) => setTimeout(done, GAP_MS));
      const { ms, status, body } = await forgot(server.url, agent, USERNAMES[kind]);
      if (status !== 202) throw new Error(`${kind} answered ${status}: ${body}`);
      bodies.add(body);
      timings[kind].push(ms);
    }
  }
  const base = median(timings.existing);
  const lines = KINDS.map((kind) => {
    const samples = timings[kind];
    return `${kind.padEnd(11)} median ${median(samples).toFixed(3)} ms   p10 ${quantile(samples, 0.1).toFixed(3)} ms   p90 ${quantile(samples, 0.9).toFixed(3)} ms   ratio to existing ${(median(samples) / base).toFixed(3)}`;
  });
  const worst = Math.max(...KINDS.map((kind) => Math.abs(median(timings[kind]) / base - 1)));
  const within = worst <= TOLERANCE && bodies.size === 1;
  process.stdout.write(
    [
      `POST /password/forgot timing by account kind (${ROUNDS} rounds, one request at a time ${GAP_MS} ms apart, random order, throttling off, real SMTP)`,
      ...lines,
      `distinct reply bodies: ${bodies.size}; mails received: ${received} (at most 3 per account per hour)`,
      `largest median difference ${(worst * 100).toFixed(1)}%: ${within ? "within" : "OUTSIDE"} ±${(TOLERANCE * 100).toFixed(0)}%`,
      "",
    ].join("\n"),
  );
  agent.destroy();
  process.exitCode = within ? 0 : 1;
} finally {
  await server?.stop();
  await new Promise((done) => smtp.close(done));
  rmSync(dir, { recursive: true, force: true });
}

function forgot(url, agent, username) {
  return timedPost(`${url}/password/forgot`, agent, "application/json", JSON.stringify({ username }));
}

function shuffled(list) {
  const copy = [...list];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}
