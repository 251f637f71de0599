import { startBareFastify } from "../bare.js";
import type { ScenarioContext } from "../context.js";
import { checkProfile, fetchToken, startGatehouse } from "../gatehouse.js";
import { type LoadOptions, runLoad } from "../load.js";
import { compareRow, type ResultRow, throughputSide } from "../results.js";
import { alternate, startBoth } from "../rounds.js";

/**
 * Scenario 1: GET /users/me with a valid token (signature, claims, user lookup) against a
 * bare Fastify route returning the same JSON with no authentication.
 */
export async function runAuthenticatedRead(ctx: ScenarioContext): Promise<ResultRow[]> {
  const { settings } = ctx;
  const [gatehouse, bare] = await startBoth(startGatehouse(ctx.small.url), startBareFastify());
  try {
    const token = await fetchToken(gatehouse.url, "johndoe", "secret");
    await checkProfile(gatehouse.url, token);
    const load = (url: string, headers: Record<string, string>, seconds: number): LoadOptions => ({
      url: `${url}/users/me`,
      headers,
      connections: settings.readConnections,
      durationSeconds: seconds,
    });
    // Both sides get the identical request, token included: the baseline is the framework
    // receiving and answering it with no verification, so the ratio is what Gatehouse adds.
    const auth = { authorization: `Bearer ${token}` };
    await runLoad(load(bare.url, auth, settings.warmupSeconds));
    await runLoad(load(gatehouse.url, auth, settings.warmupSeconds));
    const runs = await alternate(
      settings.rounds,
      () => runLoad(load(bare.url, auth, settings.seconds)),
      () => runLoad(load(gatehouse.url, auth, settings.seconds)),
    );
    const subject = throughputSide(
      "Gatehouse GET /users/me (token verified, user and revocations checked)",
      runs.subject,
    );
    const baseline = throughputSide("bare Fastify route, same request and JSON, no verification", runs.baseline);
    ctx.log(`  1 read: gatehouse ${subject.value} req/s, bare ${baseline.value} req/s`);
    return [
      compareRow("1-read", "1. Authenticated read", subject, baseline, {
        kind: "min",
        value: 0.9,
        text: "≥ 0.90 of bare",
      }),
    ];
  } finally {
    await Promise.all([gatehouse.stop(), bare.stop()]);
  }
}
