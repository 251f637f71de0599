import { describe, expect, it } from "vitest";
import { createFixedClock, GatehouseError, isGatehouseError, MESSAGES } from "../../../src/core/index.js";
import { createLoginThrottle } from "../../../src/core/throttle/login-throttle.js";

const wrong = async (): Promise<never> => {
  throw new GatehouseError("invalid_grant", MESSAGES.wrongUsernameOrPassword);
};

/** A throttle whose per-username limit is 4, with johndoe over it from four addresses. */
async function underAttack() {
  const clock = createFixedClock(Date.UTC(2025, 0, 1));
  const throttle = createLoginThrottle({ maxFailuresPerUser: 4, maxFailuresPerUserAndAddress: 3, clock });
  await throttle.guard("johndoe", "192.0.2.1", async () => "ok");
  for (let a = 1; a <= 4; a++) await throttle.guard("johndoe", `203.0.113.${a}`, wrong).catch(() => undefined);
  return { clock, throttle };
}

describe("the throttle's under-attack path", () => {
  it("without a handler, refuses a new address without running the check (no hash)", async () => {
    const { throttle } = await underAttack();
    let ran = false;
    const refused = await throttle
      .guard("johndoe", "198.51.100.1", async () => {
        ran = true;
        return "ok";
      })
      .catch((error: unknown) => error);
    expect(isGatehouseError(refused, "throttled")).toBe(true);
    expect(ran).toBe(false);
  });

  it("with a handler, runs the check at a new address and hands a success to it, telling it first", async () => {
    const { throttle } = await underAttack();
    const calls: string[] = [];
    const result = await throttle.guard("johndoe", "198.51.100.1", async () => "user", {
      underAttack: {
        noticed: () => calls.push("noticed"),
        passed: async (value, retryAfter) => {
          calls.push(`passed ${value} ${retryAfter > 0}`);
          return "second proof";
        },
      },
    });
    expect(result).toBe("second proof");
    expect(calls).toEqual(["noticed", "passed user true"]);
  });

  it("leaves a known address alone: no handler call, the login just works", async () => {
    const { throttle } = await underAttack();
    const passed: unknown[] = [];
    const handler = { noticed: () => passed.push("noticed"), passed: async (value: string) => `via ${value}` };
    expect(await throttle.guard("johndoe", "192.0.2.1", async () => "ok", { underAttack: handler })).toBe("ok");
    expect(passed).toEqual([]);
  });

  it("counts a wrong password at a new address, and applies the per-address limits first", async () => {
    const { throttle } = await underAttack();
    const handler = { noticed: () => undefined, passed: async (value: string) => value };
    for (let n = 0; n < 3; n++) {
      const failed = await throttle
        .guard("johndoe", "198.51.100.2", wrong, { underAttack: handler })
        .catch((error: unknown) => error);
      expect(isGatehouseError(failed, "invalid_grant")).toBe(true);
    }
    // That pair is now past its own limit: refused before any check, handler or not.
    let ran = false;
    const refused = await throttle
      .guard(
        "johndoe",
        "198.51.100.2",
        async () => {
          ran = true;
          return "ok";
        },
        { underAttack: handler },
      )
      .catch((error: unknown) => error);
    expect(isGatehouseError(refused, "throttled")).toBe(true);
    expect(ran).toBe(false);
  });

  it("does not remember the new address after a handled success; rememberLogin does", async () => {
    const { throttle } = await underAttack();
    const handler = { noticed: () => undefined, passed: async (value: string) => value };
    await throttle.guard("johndoe", "198.51.100.3", async () => "ok", { underAttack: handler });
    const stillBlocked = await throttle
      .guard("johndoe", "198.51.100.3", async () => "ok")
      .catch((error: unknown) => error);
    expect(isGatehouseError(stillBlocked, "throttled")).toBe(true);
    await throttle.rememberLogin("johndoe", "198.51.100.3");
    expect(await throttle.guard("johndoe", "198.51.100.3", async () => "ok")).toBe("ok");
  });
});
