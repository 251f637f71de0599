import type { ScenarioContext } from "../context.js";
import { type BenchDatabase, FILLER_PASSWORD, prepareDatabase, spreadFillers } from "../database.js";
import { checkProfile, fetchToken, LOGIN_HEADERS, loginBody, startGatehouse } from "../gatehouse.js";
import { type LoadOptions, runLoad } from "../load.js";
import type { ServerProcess } from "../processes.js";
import { compareRow, type ResultRow, throughputSide } from "../results.js";
import { alternate, startBoth } from "../rounds.js";

interface Target {
  server: ServerProcess;
  stop(): Promise<void>;
  db: BenchDatabase;
  reads: LoadOptions["requests"];
  logins: LoadOptions["requests"];
}

/**
 * Scenario 4: scenarios 1 and 2 on a 100-user database against a big one (1,000,000 users;
 * fewer in quick mode), each side cycling through users spread over its whole table.
 */
export async function runGrowth(ctx: ScenarioContext): Promise<ResultRow[]> {
  const { settings } = ctx;
  const big = await prepareDatabase(settings.cacheDir, settings.bigUsers);
  ctx.log(
    `  4 growth: ${big.users.toLocaleString("en")}-user database ${big.cached ? "reused from cache" : `generated in ${big.seconds.toFixed(1)} s`}`,
  );
  const [small, large] = await startBoth(
    target(ctx.small, "gatehouse (100 users)", settings.sampledUsers),
    target(big, `gatehouse (${big.users} users)`, settings.sampledUsers),
  );
  try {
    const reads = (t: Target, seconds: number): LoadOptions => ({
      url: `${t.server.url}/users/me`,
      ...(t.reads === undefined ? {} : { requests: t.reads }),
      connections: settings.readConnections,
      durationSeconds: seconds,
    });
    const logins = (t: Target, seconds: number): LoadOptions => ({
      url: `${t.server.url}/token`,
      method: "POST",
      ...(t.logins === undefined ? {} : { requests: t.logins }),
      connections: settings.loginConnections,
      durationSeconds: seconds,
    });
    for (const t of [small, large]) await runLoad(reads(t, settings.warmupSeconds));
    const readRuns = await alternate(
      settings.rounds,
      () => runLoad(reads(small, settings.seconds)),
      () => runLoad(reads(large, settings.seconds)),
    );
    for (const t of [small, large]) await runLoad(logins(t, settings.warmupSeconds));
    const loginRuns = await alternate(
      settings.rounds,
      () => runLoad(logins(small, settings.seconds)),
      () => runLoad(logins(large, settings.seconds)),
    );
    const bigLabel = `${big.users.toLocaleString("en")} users`;
    const smallLabel = `${ctx.small.users.toLocaleString("en")} users`;
    const note =
      big.users < 1_000_000
        ? `quick mode: ${bigLabel} instead of 1,000,000 (the full run generates the million-user database)`
        : undefined;
    const readRow = compareRow(
      "4-growth-read",
      "4. Growth: authenticated read",
      throughputSide(`GET /users/me, ${bigLabel}`, readRuns.subject),
      throughputSide(`GET /users/me, ${smallLabel}`, readRuns.baseline),
      { kind: "min", value: 0.95, text: "≥ 0.95 of 100 users" },
      note,
    );
    const loginRow = compareRow(
      "4-growth-login",
      "4. Growth: login",
      throughputSide(`POST /token, ${bigLabel}`, loginRuns.subject),
      throughputSide(`POST /token, ${smallLabel}`, loginRuns.baseline),
      { kind: "min", value: 0.95, text: "≥ 0.95 of 100 users" },
      note,
    );
    ctx.log(`  4 growth: reads ratio ${readRow.ratio}, logins ratio ${loginRow.ratio}`);
    return [readRow, loginRow];
  } finally {
    await Promise.all([small.stop(), large.stop()]);
  }
}

/** Starts a server on `db` and logs in `sampled` users spread over its whole table. */
async function target(db: BenchDatabase, name: string, sampled: number): Promise<Target> {
  const server = await startGatehouse(db.url, [], name);
  try {
    const users = spreadFillers(db, sampled);
    const tokens: string[] = [];
    for (const user of users) tokens.push(await fetchToken(server.url, user, FILLER_PASSWORD));
    await checkProfile(server.url, tokens[0] as string);
    return {
      server,
      stop: () => server.stop(),
      db,
      reads: tokens.map((token) => ({ method: "GET", headers: { authorization: `Bearer ${token}` } })),
      logins: users.map((user) => ({ method: "POST", headers: LOGIN_HEADERS, body: loginBody(user, FILLER_PASSWORD) })),
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
