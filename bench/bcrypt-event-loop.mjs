// Event-loop side of "bcrypt checks off the event loop": while wrong logins of a user with an
// imported cost-12 bcrypt hash run, token-protected reads must stay fast. Builds the server
// from dist/ over a memory store (throttling off, so every login reaches the hasher), then
// for each round sends LOGINS wrong logins at once and, while they run, GET /users/me one
// after another; reports the reads' latency and the event loop's delay (perf_hooks).
//
//   npm run build && node bench/bcrypt-event-loop.mjs [--logins 12] [--rounds 5] [--cost 12]
//
// Prints one JSON object; exits 0.

import { existsSync } from "node:fs";
import { request } from "node:http";
import { join, resolve } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { hash as bcryptHash } from "@node-rs/bcrypt";

const root = resolve(import.meta.dirname, "..");
const { values } = parseArgs({
  options: {
    logins: { type: "string", default: "12" },
    rounds: { type: "string", default: "5" },
    cost: { type: "string", default: "12" },
  },
});
const LOGINS = Number(values.logins);
const ROUNDS = Number(values.rounds);
const COST = Number(values.cost);

if (!existsSync(join(root, "dist/server/index.js"))) {
  process.stderr.write("bench/bcrypt-event-loop.mjs runs the built server: run `npm run build` first\n");
  process.exit(2);
}
const { createGatehouse } = await import(join(root, "dist/core/index.js"));
const { memoryStore } = await import(join(root, "dist/stores/memory/index.js"));
const { buildServer } = await import(join(root, "dist/server/index.js"));

const store = memoryStore();
const gatehouse = await createGatehouse({ store, throttle: false });
await gatehouse.users.create({ username: "reader", email: "reader@example.com", password: "reader password 1" });
const now = Date.now();
await store.createUser(
  {
    username: "imported",
    email: "imported@example.com",
    fullName: "",
    disabled: false,
    scopes: ["me"],
    passwordHash: await bcryptHash("the imported password", COST),
  },
  now,
);
const app = await buildServer({ gatehouse, logLevel: "error" });
await app.listen({ host: "127.0.0.1", port: 0 });
const { port } = app.server.address();

function send(method, path, headers, body) {
  return new Promise((done, fail) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        text += chunk;
      });
      res.on("end", () => done({ status: res.statusCode, body: text }));
    });
    req.on("error", fail);
    req.end(body);
  });
}
const form = { "content-type": "application/x-www-form-urlencoded" };
const login = (username, password) =>
  send("POST", "/token", form, new URLSearchParams({ username, password }).toString());

const token = JSON.parse((await login("reader", "reader password 1")).body).access_token;
const readMe = async () => {
  const started = performance.now();
  const response = await send("GET", "/users/me", { authorization: `Bearer ${token}` });
  if (response.status !== 200) throw new Error(`GET /users/me answered ${response.status}`);
  return performance.now() - started;
};

const quiet = [];
for (let i = 0; i < 200; i++) quiet.push(await readMe());

const busy = [];
const loop = monitorEventLoopDelay({ resolution: 1 });
let loginMs = 0;
for (let round = 0; round < ROUNDS; round++) {
  const started = performance.now();
  let done = false;
  const logins = Promise.all(Array.from({ length: LOGINS }, (_, i) => login("imported", `wrong ${i}`))).then(() => {
    done = true;
  });
  loop.enable();
  while (!done) busy.push(await readMe());
  loop.disable();
  await logins;
  loginMs += performance.now() - started;
}
await app.close();

const ms = (value) => Math.round(value * 100) / 100;
const summary = (samples) => {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => ms(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return { reads: sorted.length, p50: at(0.5), p99: at(0.99), max: at(1) };
};
process.stdout.write(
  `${JSON.stringify(
    {
      bcryptCost: COST,
      concurrentWrongLogins: LOGINS,
      rounds: ROUNDS,
      msPerRoundOfLogins: ms(loginMs / ROUNDS),
      usersMeQuietMs: summary(quiet),
      usersMeDuringLoginsMs: summary(busy),
      eventLoopDelayDuringLoginsMs: {
        p50: ms(loop.percentile(50) / 1e6),
        p99: ms(loop.percentile(99) / 1e6),
        max: ms(loop.max / 1e6),
      },
    },
    null,
    2,
  )}\n`,
);
