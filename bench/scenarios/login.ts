import type { ScenarioContext } from "../context.js";
import { fetchToken, LOGIN_HEADERS, loginBody, startGatehouse } from "../gatehouse.js";
import { startHashLimit } from "../hash-limit.js";
import { type LoadOptions, runLoad } from "../load.js";
import { compareRow, plainSide, type ResultRow, throughputSide } from "../results.js";
import { alternate, startBoth } from "../rounds.js";
import { median, round } from "../stats.js";

/**
 * Scenario 2: POST /token with correct credentials against the hash-bound limit: the same
 * number of concurrent argon2id verifications, called directly in another process.
 */
export async function runLogin(ctx: ScenarioContext): Promise<ResultRow[]> {
  const { settings } = ctx;
  const concurrency = settings.loginConnections;
  const [gatehouse, limit] = await startBoth(startGatehouse(ctx.small.url), startHashLimit());
  try {
    await fetchToken(gatehouse.url, "johndoe", "secret");
    const load = (seconds: number): LoadOptions => ({
      url: `${gatehouse.url}/token`,
      method: "POST",
      headers: LOGIN_HEADERS,
      body: loginBody("johndoe", "secret"),
      connections: concurrency,
      durationSeconds: seconds,
    });
    await limit.run(settings.warmupSeconds, concurrency);
    await runLoad(load(settings.warmupSeconds));
    const runs = await alternate(
      settings.rounds,
      () => limit.run(settings.seconds, concurrency),
      () => runLoad(load(settings.seconds)),
    );
    const subject = throughputSide(`Gatehouse POST /token, ${concurrency} connections`, runs.subject);
    const baseline = {
      ...plainSide(
        `${concurrency} concurrent argon2id verifications (m=19456, t=2, p=1), direct`,
        "req/s",
        runs.baseline.map((r) => r.verificationsPerSecond),
      ),
      p50Ms: round(median(runs.baseline.map((r) => r.p50Ms))),
      p99Ms: round(median(runs.baseline.map((r) => r.p99Ms))),
    };
    ctx.log(`  2 login: gatehouse ${subject.value} logins/s, hash limit ${baseline.value} verifications/s`);
    return [
      compareRow("2-login", "2. Login", subject, baseline, { kind: "min", value: 0.9, text: "≥ 0.90 of hash limit" }),
    ];
  } finally {
    await Promise.all([gatehouse.stop(), limit.stop()]);
  }
}
