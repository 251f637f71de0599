// Timing side of "no user enumeration": a login with an unknown username must take as long
// as one with a wrong password for an existing user. Starts the built server (dist/, OWASP
// argon2id parameters, throttling off so every attempt reaches the hasher), sends the two
// kinds of login one after the other, alternating which goes first, and compares medians.
//
//   npm run build && node bench/enumeration.mjs [--logins 300] [--tolerance 0.05]
//
// Exits 1 when the medians differ by more than the tolerance.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const root = resolve(import.meta.dirname, "..");
const bin = join(root, "bin/gatehouse.js");
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
const env = { ...withoutGatehouseSettings(process.env), GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, "bench.db")}` };
let server;
try {
  await runToEnd(
    ["users", "add", USER.username, "--email", "johndoe@example.com", "--password-stdin"],
    `${USER.password}\n`,
  );
  server = await startServer();
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

function withoutGatehouseSettings(source) {
  return Object.fromEntries(
    Object.entries(source).filter(([name]) => !name.startsWith("GATEHOUSE_") && name !== "PORT" && name !== "HOST"),
  );
}

function runToEnd(args, stdin) {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: dir, env, stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", fail);
    child.on("close", (code) => (code === 0 ? done() : fail(new Error(`gatehouse ${args[0]} failed: ${stderr}`))));
    child.stdin.end(stdin);
  });
}

function startServer() {
  const child = spawn(process.execPath, [bin, "serve", "--port", "0"], {
    cwd: dir,
    env: { ...env, GATEHOUSE_THROTTLE: "off", GATEHOUSE_LOG_LEVEL: "error" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise((done) => child.on("exit", done));
  return new Promise((done, fail) => {
    let output = "";
    const collect = (chunk) => {
      output += chunk;
      const match = /Gatehouse listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        child.stdout.off("data", collect);
        done({
          url: match[1],
          async stop() {
            child.kill("SIGTERM");
            await exited;
          },
        });
      }
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("exit", (code) => fail(new Error(`the server exited with ${code}: ${output}`)));
  });
}

function login(url, agent, username, password) {
  const body = new URLSearchParams({ username, password }).toString();
  const started = performance.now();
  return new Promise((done, fail) => {
    const req = request(
      `${url}/token`,
      { method: "POST", agent, headers: { "content-type": "application/x-www-form-urlencoded" } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => {
          text += chunk;
        });
        res.on("end", () => done({ status: res.statusCode, body: text, ms: performance.now() - started }));
        res.on("error", fail);
      },
    );
    req.on("error", fail);
    req.end(body);
  });
}

function median(samples) {
  return quantile(samples, 0.5);
}

function quantile(samples, q) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}
