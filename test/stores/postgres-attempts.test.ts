import { afterEach, expect, it } from "vitest";
import { createFixedClock, createGatehouse, type Gatehouse, isGatehouseError } from "../../src/core/index.js";
import type { GatehouseStore, SharedLoginAttempts } from "../../src/core/store.js";
import { postgresStore } from "../../src/stores/postgres/index.js";
import { runAttemptStoreContract, T0 } from "../../src/testing/index.js";
import { createTestHasher } from "../support/fixtures.js";
import { describePostgres } from "../support/postgres.js";

const MINUTE = 60_000;
let counter = 0;
// Each store of a test gets a schema of its own in the file's database: fresh, and fast.
const freshSchema = () => `a${process.pid}_${++counter}`;

function sharedCounters(store: GatehouseStore): SharedLoginAttempts {
  if (store.loginAttempts === undefined) throw new Error("the PostgreSQL store offers no shared counters");
  return store.loginAttempts;
}

describePostgres("postgres login attempt store", (database) => {
  runAttemptStoreContract("postgres", async () => {
    const store = await postgresStore(database().url, { schema: freshSchema() });
    return { ...sharedCounters(store), close: () => store.close() };
  });

  const opened: Array<GatehouseStore | Gatehouse> = [];
  let schema = freshSchema();
  const open = async () => {
    const store = await postgresStore(database().url, { schema });
    opened.push(store);
    return store;
  };

  afterEach(async () => {
    for (const item of opened.splice(0)) await item.close();
    schema = freshSchema();
  });

  it("counts attempts of two instances on one database together", async () => {
    const [one, two] = await Promise.all([open(), open()]);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => sharedCounters(i % 2 ? one : two).failures.increment("a|x", MINUTE, T0)),
    );
    expect(await sharedCounters(two).failures.get(["a|x"], T0)).toEqual([{ count: 20, expiresAt: T0 + MINUTE }]);
    await sharedCounters(one).failures.delete(["a|x"]);
    expect(await sharedCounters(two).failures.get(["a|x"], T0)).toEqual([null]);
  });

  it("purges expired counters without moving changeVersion, keeping live ones", async () => {
    const store = await open();
    const { failures, knownLogins } = sharedCounters(store);
    await failures.increment("gone", MINUTE, T0);
    await knownLogins.increment("gone", MINUTE, T0);
    await failures.increment("live", 2 * MINUTE, T0);
    const version = await store.changeVersion();
    expect(await store.purgeExpired(T0 + MINUTE)).toBe(2);
    expect(await store.changeVersion()).toBe(version);
    expect(await database().query(`SELECT kind, key, count FROM ${schema}.login_attempts`)).toEqual([
      { kind: "failures", key: "live", count: 1 },
    ]);
  });

  it("fails with store_unavailable once closed, so a login is refused rather than unthrottled", async () => {
    const store = await open();
    await store.close();
    const error = await sharedCounters(store)
      .failures.get(["a|x"], T0)
      .catch((caught: unknown) => caught);
    expect(isGatehouseError(error, "store_unavailable")).toBe(true);
  });

  it("lets two Gatehouses on one database allow 10 failures in all for one username and address", async () => {
    const clock = createFixedClock(T0);
    const make = async () => {
      const gatehouse = await createGatehouse({ store: await open(), hasher: createTestHasher(), clock });
      opened.push(gatehouse);
      return gatehouse;
    };
    const [one, two] = [await make(), await make()];
    const context = { clientAddress: "198.51.100.7" };
    const outcomes: string[] = [];
    for (let i = 0; i < 11; i++) {
      const gatehouse = i % 2 ? two : one;
      const outcome = await gatehouse.handleTokenRequest({ username: "johndoe", password: "wrong" }, context).then(
        () => "ok",
        (error: unknown) => (isGatehouseError(error) ? error.code : "other"),
      );
      outcomes.push(outcome);
    }
    expect(outcomes).toEqual([...Array<string>(10).fill("invalid_grant"), "throttled"]);
  });
});
