import type { ScenarioContext } from "../context.js";
import { checkProfile, fetchToken, LOGIN_HEADERS, loginBody, startGatehouse } from "../gatehouse.js";
import { type LoadOptions, type LoadResult, runLoad, startLoad } from "../load.js";
import { compareRow, p99Side, plainSide, type ResultRow } from "../results.js";
import { alternate, sleep } from "../rounds.js";
import { sampleRss } from "../rss-sampler.js";
import { median, round } from "../stats.js";

/**
 * Scenario 3: the p99 of a light GET /users/me load while a login flood runs, against the
 * same light load with no flood; and the server's peak resident memory over the scenario
 * (a fresh server process, so its VmHWM covers this scenario and its own startup only).
 */
export async function runLoginFlood(ctx: ScenarioContext): Promise<ResultRow[]> {
  const { settings } = ctx;
  const gatehouse = await startGatehouse(ctx.small.url, [], "gatehouse (flood)");
  const rss = sampleRss(gatehouse.pid);
  try {
    const token = await fetchToken(gatehouse.url, "johndoe", "secret");
    await checkProfile(gatehouse.url, token);
    const reads = (seconds: number): LoadOptions => ({
      url: `${gatehouse.url}/users/me`,
      headers: { authorization: `Bearer ${token}` },
      connections: 2,
      rate: settings.lightRate,
      durationSeconds: seconds,
    });
    const floodResults: LoadResult[] = [];
    const underFlood = async (seconds: number) => {
      const flood = startLoad({
        url: `${gatehouse.url}/token`,
        method: "POST",
        headers: LOGIN_HEADERS,
        body: loginBody("johndoe", "secret"),
        connections: settings.floodConnections,
        durationSeconds: seconds + 30,
      });
      // Let the hash queue fill before measuring.
      await sleep(500);
      const measured = await runLoad(reads(seconds));
      flood.stop();
      floodResults.push(await flood.result);
      // Queued logins finish before the next quiet round starts.
      await sleep(settings.mode === "quick" ? 500 : 1500);
      return measured;
    };
    await runLoad(reads(settings.warmupSeconds));
    await underFlood(settings.warmupSeconds);
    floodResults.length = 0;
    const runs = await alternate(
      settings.rounds,
      () => runLoad(reads(settings.seconds)),
      () => underFlood(settings.seconds),
    );
    const memory = rss.stop();
    const floodRate = round(median(floodResults.map((r) => r.requestsPerSecond)));
    const floodFailures = floodResults.reduce((sum, r) => sum + r.non2xx + r.errors, 0);
    const subject = p99Side(`GET /users/me at ${settings.lightRate} req/s during a login flood`, runs.subject);
    const baseline = p99Side(`GET /users/me at ${settings.lightRate} req/s, no flood`, runs.baseline);
    ctx.log(`  3 flood: p99 ${subject.value} ms vs ${baseline.value} ms quiet; peak RSS ${round(memory.peakRssMb)} MB`);
    const floodNote = `flood: ${settings.floodConnections} connections of correct logins, ${floodRate} logins/s, ${floodFailures} non-2xx/errors`;
    return [
      compareRow(
        "3-flood-p99",
        "3. Reads during a login flood",
        subject,
        baseline,
        {
          kind: "max",
          value: 3,
          text: "≤ 3× quiet p99",
        },
        floodNote,
      ),
      compareRow(
        "3-peak-rss",
        "3. Peak RSS of the server (scenario 3)",
        plainSide("gatehouse serve peak resident memory (VmHWM)", "MB", [memory.peakRssMb]),
        null,
        { kind: "below", value: 150, text: "< 150 MB" },
        `${memory.samples} samples of /proc/${gatehouse.pid}/status`,
      ),
    ];
  } finally {
    rss.stop();
    await gatehouse.stop();
  }
}
