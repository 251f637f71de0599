import { availableParallelism } from "node:os";
import { startBareFastify } from "../bare.js";
import type { ScenarioContext } from "../context.js";
import { checkProfile, fetchToken, LOGIN_HEADERS, loginBody, startGatehouse } from "../gatehouse.js";
import { type LoadOptions, runLoad } from "../load.js";
import { compareRow, type ResultRow, throughputSide } from "../results.js";
import { alternate, startBoth } from "../rounds.js";

/**
 * Scenario 6: `serve --workers N` for 1, 2 and auto (one per core): authenticated reads against
 * the bare Fastify route in as many cluster workers, and logins with N workers. On a machine
 * whose cores the load generator shares, more workers can only help as far as cores are free.
 */
export async function runWorkers(ctx: ScenarioContext): Promise<ResultRow[]> {
  const { settings } = ctx;
  const rows: ResultRow[] = [];
  const counts = [...new Set(["1", "2", "auto"])];
  for (const workers of counts) {
    const label = workers === "auto" ? `auto (${availableParallelism()})` : workers;
    const [gatehouse, bare] = await startBoth(
      startGatehouse(ctx.small.url, [], `gatehouse-workers-${workers}`, ["--workers", workers]),
      startBareFastify(workers),
    );
    try {
      const token = await fetchToken(gatehouse.url, "johndoe", "secret");
      await checkProfile(gatehouse.url, token);
      const auth = { authorization: `Bearer ${token}` };
      const read = (url: string, seconds: number): LoadOptions => ({
        url: `${url}/users/me`,
        headers: auth,
        connections: settings.readConnections,
        durationSeconds: seconds,
      });
      await runLoad(read(bare.url, settings.warmupSeconds));
      await runLoad(read(gatehouse.url, settings.warmupSeconds));
      const reads = await alternate(
        settings.rounds,
        () => runLoad(read(bare.url, settings.seconds)),
        () => runLoad(read(gatehouse.url, settings.seconds)),
      );
      const login = (seconds: number): LoadOptions => ({
        url: `${gatehouse.url}/token`,
        method: "POST",
        headers: LOGIN_HEADERS,
        body: loginBody("johndoe", "secret"),
        connections: settings.loginConnections,
        durationSeconds: seconds,
      });
      await runLoad(login(settings.warmupSeconds));
      const logins = [];
      for (let round = 0; round < settings.rounds; round++) logins.push(await runLoad(login(settings.seconds)));
      const subject = throughputSide(`Gatehouse GET /users/me, ${label} workers`, reads.subject);
      const baseline = throughputSide(`bare Fastify route, ${label} workers`, reads.baseline);
      const loginSide = throughputSide(`Gatehouse POST /token, ${label} workers`, logins);
      ctx.log(
        `  6 workers ${label}: reads ${subject.value} vs bare ${baseline.value} req/s; logins ${loginSide.value}/s`,
      );
      rows.push(
        compareRow(`6-read-${workers}`, `6. Workers ${label}: authenticated read`, subject, baseline, {
          kind: "min",
          value: 0.9,
          text: "≥ 0.90 of bare with as many workers",
        }),
        // No goal of its own: the figure goes to the sizing table (above zero means it ran).
        compareRow(`6-login-${workers}`, `6. Workers ${label}: login`, loginSide, null, {
          kind: "below",
          value: Number.MAX_SAFE_INTEGER,
          text: "reported, no goal",
        }),
      );
    } finally {
      await Promise.all([gatehouse.stop(), bare.stop()]);
    }
  }
  return rows;
}
