import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIfStale } from "../support/build.js";
import { createTempDatabase, inspectDatabase, runBinary } from "./cli-harness.js";

const db = createTempDatabase();

/** Runs the real binary to completion on the test database. */
function gatehouse(args: string[], stdin = "") {
  return runBinary(args, { env: { GATEHOUSE_DATABASE_URL: db.url }, cwd: db.dir, stdin });
}

// Each spawn pays Node start-up plus the core import; a busy machine can take seconds per run.
describe("gatehouse users mfa-reset", { timeout: 90_000 }, () => {
  beforeAll(async () => {
    buildIfStale();
    const add = await gatehouse(
      ["users", "add", "johndoe", "--email", "johndoe@example.com", "--password-stdin"],
      "johndoe password 1\n",
    );
    expect(add.code).toBe(0);
    // A confirmed factor, as enrolment stores it.
    await inspectDatabase(db.path, async (store) => {
      await store.savePendingTotpFactor("johndoe", "v1.sealed", Date.now());
      await store.confirmTotpFactor("johndoe", { timeStep: 1, recoveryCodeHashes: ["h1", "h2"], now: Date.now() });
    });
  }, 120_000);
  afterAll(() => db.remove());

  it("removes the user's factor and recovery codes, recorded as mfa.removed by the cli", async () => {
    const reset = await gatehouse(["users", "mfa-reset", "JohnDoe"]);
    expect(reset).toEqual({ code: 0, stdout: "Removed the second factor of JohnDoe\n", stderr: "" });
    await inspectDatabase(db.path, async (store) => {
      expect(await store.findTotpFactor("johndoe")).toBeNull();
      expect(await store.countRecoveryCodes("johndoe")).toBe(0);
      expect((await store.findUserByUsername("johndoe"))?.mfaEnabled).toBeUndefined();
      const { events } = await store.listAuditEvents({ type: "mfa.removed", limit: 5, cursor: null });
      expect(events.map((event) => [event.username, event.actor])).toEqual([["johndoe", "cli"]]);
    });
  });

  it("says so when there is no factor, and changes nothing", async () => {
    const again = await gatehouse(["users", "mfa-reset", "johndoe"]);
    expect(again).toEqual({ code: 0, stdout: "johndoe had no second factor; nothing changed\n", stderr: "" });
  });

  it("fails with exit 1 and a one-line message for an unknown user", async () => {
    const unknown = await gatehouse(["users", "mfa-reset", "nobody"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('gatehouse: user "nobody" not found\n');
  });
});
