import { describe, expect, it } from "vitest";
import type { GatehouseStore, NewAccountToken } from "../core/store.js";
import { auditEvent } from "./contract-audit.js";
import { newUser, T0 } from "./contract-fixtures.js";

const HOUR = 3_600_000;

function accountToken(overrides: Partial<NewAccountToken> = {}): NewAccountToken {
  return {
    purpose: "reset",
    username: "johndoe",
    tokenHash: "hash-1",
    email: null,
    createdAt: T0,
    expiresAt: T0 + HOUR,
    ...overrides,
  };
}

/** What every store must do with e-mail verification state, one-time account tokens and mail counts. */
export function describeAccountContract(current: () => GatehouseStore): void {
  describe("accounts", () => {
    it("creates users unverified unless told otherwise, and updates the flag alone", async () => {
      const store = current();
      expect((await store.createUser(newUser("JohnDoe"), T0)).emailVerified).toBe(false);
      expect((await store.createUser(newUser("alice", { emailVerified: true }), T0)).emailVerified).toBe(true);
      expect(await store.createUsers([newUser("bob", { emailVerified: true }), newUser("carol")], T0)).toEqual([
        "created",
        "created",
      ]);
      expect((await store.findUserByUsername("bob"))?.emailVerified).toBe(true);
      expect((await store.findUserByUsername("carol"))?.emailVerified).toBe(false);
      const updated = await store.updateUser("johndoe", { emailVerified: true }, T0 + 1);
      expect(updated?.emailVerified).toBe(true);
      expect((await store.updateUser("johndoe", { fullName: "J" }, T0 + 2))?.emailVerified).toBe(true);
      expect((await store.findUserByUsername("JOHNDOE"))?.emailVerified).toBe(true);
    });

    it("consumes a token once, giving its owner and purpose", async () => {
      const store = current();
      await store.createUser(newUser("JohnDoe"), T0);
      expect(await store.issueAccountToken(accountToken({ purpose: "verify", email: "johndoe@example.com" }))).toBe(
        true,
      );
      const results = await Promise.all([
        store.consumeAccountToken("verify", "hash-1", T0 + 1),
        store.consumeAccountToken("verify", "hash-1", T0 + 1),
      ]);
      expect(results.filter((result) => result !== null)).toEqual([
        {
          purpose: "verify",
          username: "JohnDoe",
          email: "johndoe@example.com",
          createdAt: T0,
          expiresAt: T0 + HOUR,
        },
      ]);
      expect(await store.consumeAccountToken("verify", "hash-1", T0 + 2)).toBeNull();
    });

    it("refuses a token of another purpose, an unknown hash, and an expired token (which it deletes)", async () => {
      const store = current();
      await store.createUser(newUser("johndoe"), T0);
      await store.issueAccountToken(accountToken({ purpose: "unlock" }));
      expect(await store.consumeAccountToken("reset", "hash-1", T0 + 1)).toBeNull();
      expect(await store.consumeAccountToken("unlock", "other", T0 + 1)).toBeNull();
      expect(await store.consumeAccountToken("unlock", "hash-1", T0 + HOUR)).toBeNull();
      expect(await store.consumeAccountToken("unlock", "hash-1", T0 + 1)).toBeNull();
    });

    it("stores nothing for an unknown user", async () => {
      expect(await current().issueAccountToken(accountToken({ username: "ghost" }))).toBe(false);
      expect(await current().consumeAccountToken("reset", "hash-1", T0)).toBeNull();
    });

    it("replaces a user's older token of the same purpose, and keeps other purposes and users apart", async () => {
      const store = current();
      await store.createUser(newUser("johndoe"), T0);
      await store.createUser(newUser("alice"), T0);
      await store.issueAccountToken(accountToken({ tokenHash: "old" }));
      await store.issueAccountToken(accountToken({ tokenHash: "unlock", purpose: "unlock" }));
      await store.issueAccountToken(accountToken({ tokenHash: "alice", username: "alice" }));
      await store.issueAccountToken(accountToken({ tokenHash: "new", createdAt: T0 + 5 }));
      expect(await store.consumeAccountToken("reset", "old", T0 + 6)).toBeNull();
      expect((await store.consumeAccountToken("reset", "new", T0 + 6))?.createdAt).toBe(T0 + 5);
      expect((await store.consumeAccountToken("unlock", "unlock", T0 + 6))?.username).toBe("johndoe");
      expect((await store.consumeAccountToken("reset", "alice", T0 + 6))?.username).toBe("alice");
    });

    it("kills the reset token when the password hash changes, and the verify token when the e-mail does", async () => {
      const store = current();
      await store.createUser(newUser("johndoe"), T0);
      await store.issueAccountToken(accountToken({ tokenHash: "reset" }));
      await store.issueAccountToken(accountToken({ tokenHash: "verify", purpose: "verify", email: "a@example.com" }));
      await store.updateUser("johndoe", { fullName: "same password, same e-mail" }, T0 + 1);
      await store.updateUser("johndoe", { passwordHash: "another-hash" }, T0 + 2);
      expect(await store.consumeAccountToken("reset", "reset", T0 + 3)).toBeNull();
      await store.issueAccountToken(accountToken({ tokenHash: "reset2" }));
      await store.updateUser("johndoe", { email: "new@example.com" }, T0 + 4);
      expect(await store.consumeAccountToken("verify", "verify", T0 + 5)).toBeNull();
      expect((await store.consumeAccountToken("reset", "reset2", T0 + 5))?.purpose).toBe("reset");
    });

    it("forgets a removed user's tokens: a user created again under the name cannot use them", async () => {
      const store = current();
      await store.createUser(newUser("johndoe"), T0);
      await store.issueAccountToken(accountToken());
      await store.deleteUser("johndoe");
      await store.createUser(newUser("johndoe"), T0 + 1);
      expect(await store.consumeAccountToken("reset", "hash-1", T0 + 2)).toBeNull();
    });

    it("records the issue's audit events with it, only when it took effect", async () => {
      const store = current();
      await store.createUser(newUser("johndoe"), T0);
      const sent = auditEvent("password.reset_requested", { username: "johndoe" });
      await store.issueAccountToken(accountToken(), [sent]);
      await store.issueAccountToken(accountToken({ username: "ghost" }), [
        auditEvent("password.reset_requested", { username: "ghost" }),
      ]);
      const page = await store.listAuditEvents({ limit: 10, cursor: null, type: "password.reset_requested" });
      expect(page.events.map((event) => event.id)).toEqual([sent.id]);
    });

    it("counts mails per user and kind within a window, never past the limit, even concurrently", async () => {
      const store = current();
      await store.createUser(newUser("johndoe"), T0);
      const reserve = (at: number, kind = "reset") => store.reserveAccountMail("JOHNDOE", kind, at, HOUR, 3);
      const first = await Promise.all([reserve(T0), reserve(T0), reserve(T0), reserve(T0), reserve(T0)]);
      expect(first.filter(Boolean)).toHaveLength(3);
      expect(await reserve(T0 + 1, "unlock")).toBe(true);
      expect(await reserve(T0 + HOUR - 1)).toBe(false);
      expect(await reserve(T0 + HOUR)).toBe(true);
      expect(await store.reserveAccountMail("ghost", "reset", T0, HOUR, 3)).toBe(false);
    });

    it("finds users by e-mail, case-insensitively, ordered by username and bounded", async () => {
      const store = current();
      await store.createUser(newUser("zed", { email: "Shared@Example.com" }), T0);
      await store.createUser(newUser("amy", { email: "shared@example.com" }), T0);
      await store.createUser(newUser("bob", { email: "other@example.com" }), T0);
      expect((await store.findUsersByEmail("SHARED@example.COM", 10)).map((user) => user.username)).toEqual([
        "amy",
        "zed",
      ]);
      expect((await store.findUsersByEmail("shared@example.com", 1)).map((user) => user.username)).toEqual(["amy"]);
      expect(await store.findUsersByEmail("nobody@example.com", 10)).toEqual([]);
    });

    it("purges expired tokens and mail counts older than a day", async () => {
      const store = current();
      await store.createUser(newUser("johndoe"), T0);
      await store.issueAccountToken(accountToken({ expiresAt: T0 + 10 }));
      expect(await store.reserveAccountMail("johndoe", "attack", T0, 24 * HOUR, 1)).toBe(true);
      expect(await store.purgeExpired(T0 + 11)).toBeGreaterThanOrEqual(1);
      expect(await store.reserveAccountMail("johndoe", "attack", T0 + 24 * HOUR - 1, 24 * HOUR, 1)).toBe(false);
      await store.purgeExpired(T0 + 24 * HOUR + 1);
      expect(await store.reserveAccountMail("johndoe", "attack", T0 + 24 * HOUR + 1, 24 * HOUR, 1)).toBe(true);
    });
  });
}
