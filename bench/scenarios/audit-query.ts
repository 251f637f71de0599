import { AUDITED_EVENTS, AUDITED_USER, AUDITOR, prepareAuditDatabase } from "../audit-database.js";
import type { ScenarioContext } from "../context.js";
import { FILLER_PASSWORD } from "../database.js";
import { fetchToken, startGatehouse } from "../gatehouse.js";
import { type LoadOptions, runLoad } from "../load.js";
import { compareRow, type ResultRow, throughputSide } from "../results.js";
import { alternate, startBoth } from "../rounds.js";

/**
 * Scenario 7: `GET /audit?username=johndoe&limit=50` (an admin reading one user's newest events)
 * on an audit log of 1,000,000 events (fewer in quick mode) against a log of that user's 200
 * events alone: the per-user index should make the size of the log not matter.
 */
export async function runAuditQuery(ctx: ScenarioContext): Promise<ResultRow[]> {
  const { settings } = ctx;
  const bigEvents = settings.bigUsers;
  const started = performance.now();
  const bigPath = prepareAuditDatabase(settings.cacheDir, ctx.small, bigEvents);
  const smallPath = prepareAuditDatabase(settings.cacheDir, ctx.small, AUDITED_EVENTS);
  ctx.log(
    `  7 audit query: ${bigEvents.toLocaleString("en")}-event log ready in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const [big, small] = await startBoth(
    startGatehouse(`sqlite:${bigPath}`, [], `gatehouse (${bigEvents} events)`),
    startGatehouse(`sqlite:${smallPath}`, [], `gatehouse (${AUDITED_EVENTS} events)`),
  );
  try {
    const load = async (url: string) => {
      const token = await fetchToken(url, AUDITOR, FILLER_PASSWORD);
      const check = await fetch(`${url}/audit?username=${AUDITED_USER}&limit=50`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const page = (await check.json()) as { events?: unknown[] };
      if (check.status !== 200 || page.events?.length !== 50) throw new Error(`GET /audit answered ${check.status}`);
      return (seconds: number): LoadOptions => ({
        url: `${url}/audit?username=${AUDITED_USER}&limit=50`,
        headers: { authorization: `Bearer ${token}` },
        connections: settings.readConnections,
        durationSeconds: seconds,
      });
    };
    const [onBig, onSmall] = [await load(big.url), await load(small.url)];
    await runLoad(onBig(settings.warmupSeconds));
    await runLoad(onSmall(settings.warmupSeconds));
    const runs = await alternate(
      settings.rounds,
      () => runLoad(onSmall(settings.seconds)),
      () => runLoad(onBig(settings.seconds)),
    );
    const subject = throughputSide(
      `GET /audit?username=, 50 of ${bigEvents.toLocaleString("en")} events`,
      runs.subject,
    );
    const baseline = throughputSide(`the same on a log of ${AUDITED_EVENTS} events`, runs.baseline);
    ctx.log(`  7 audit query: ${subject.value} req/s (p50 ${subject.p50Ms} ms) vs ${baseline.value} req/s`);
    return [
      compareRow("7-audit-query", "7. Audit query on a large log", subject, baseline, {
        kind: "min",
        value: 0.9,
        text: "≥ 0.90 of a small log",
      }),
    ];
  } finally {
    await Promise.all([big.stop(), small.stop()]);
  }
}
