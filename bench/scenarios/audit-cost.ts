import { copyFileSync } from "node:fs";
import type { ScenarioContext } from "../context.js";
import { removeDatabase } from "../database.js";
import { fetchToken, LOGIN_HEADERS, loginBody, startGatehouse } from "../gatehouse.js";
import { type LoadOptions, runLoad } from "../load.js";
import { compareRow, type ResultRow, throughputSide } from "../results.js";
import { alternate, startBoth } from "../rounds.js";

/**
 * Scenario 6: scenario 2's logins with the audit log on (every login records `login.succeeded`
 * in its session's transaction) against the same server with `GATEHOUSE_AUDIT=off`, each on
 * its own copy of the small database, in alternating rounds.
 */
export async function runAuditCost(ctx: ScenarioContext): Promise<ResultRow[]> {
  const { settings } = ctx;
  const offPath = `${ctx.small.path}.audit-off.db`;
  removeDatabase(offPath);
  copyFileSync(ctx.small.path, offPath);
  const [on, off] = await startBoth(
    startGatehouse(ctx.small.url, [], "gatehouse (audit on)"),
    startGatehouse(`sqlite:${offPath}`, [], "gatehouse (audit off)", { GATEHOUSE_AUDIT: "off" }),
  );
  try {
    for (const server of [on, off]) await fetchToken(server.url, "johndoe", "secret");
    const load = (url: string, seconds: number): LoadOptions => ({
      url: `${url}/token`,
      method: "POST",
      headers: LOGIN_HEADERS,
      body: loginBody("johndoe", "secret"),
      connections: settings.loginConnections,
      durationSeconds: seconds,
    });
    for (const server of [on, off]) await runLoad(load(server.url, settings.warmupSeconds));
    const runs = await alternate(
      settings.rounds,
      () => runLoad(load(off.url, settings.seconds)),
      () => runLoad(load(on.url, settings.seconds)),
    );
    const subject = throughputSide(
      `POST /token with the audit log on, ${settings.loginConnections} connections`,
      runs.subject,
    );
    const baseline = throughputSide("the same with GATEHOUSE_AUDIT=off", runs.baseline);
    ctx.log(`  6 audit cost: audit on ${subject.value} logins/s, off ${baseline.value} logins/s`);
    return [
      compareRow("6-audit-login", "6. Login with the audit log", subject, baseline, {
        kind: "min",
        value: 0.95,
        text: "≥ 0.95 of audit off",
      }),
    ];
  } finally {
    await Promise.all([on.stop(), off.stop()]);
    removeDatabase(offPath);
  }
}
