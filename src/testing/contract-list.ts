import { describe, expect, it } from "vitest";
import type { GatehouseStore, StoredUser } from "../core/store.js";
import { expectRejectsWith, newUser, T0 } from "./contract-fixtures.js";

const NAMES = ["dave", "Alice", "carol", "Émile", "bob", "ZOE", "eve"];
// Ordered by username key (case-folded, then by code point), not by the name as given.
const ORDER = ["alice", "bob", "carol", "dave", "eve", "zoe", "émile"];

async function listAll(store: GatehouseStore, limit: number): Promise<{ pages: StoredUser[][] }> {
  const pages: StoredUser[][] = [];
  let cursor: string | null = null;
  do {
    const page = await store.listUsers({ limit, cursor });
    expect(page.users.length).toBeLessThanOrEqual(limit);
    pages.push(page.users);
    cursor = page.nextCursor;
  } while (cursor !== null && pages.length <= NAMES.length + 1);
  return { pages };
}

/** What every store must do when listing users a page at a time. */
export function describeListContract(current: () => GatehouseStore): void {
  describe("listUsers", () => {
    it("returns an empty last page for an empty store", async () => {
      expect(await current().listUsers({ limit: 10, cursor: null })).toEqual({ users: [], nextCursor: null });
    });

    it.each([1, 2, 3, 7, 100])("pages with limit %i through every user once, in key order", async (limit) => {
      for (const name of NAMES) await current().createUser(newUser(name), T0);
      const { pages } = await listAll(current(), limit);
      const keys = pages.flat().map((user) => user.username.toLowerCase());
      expect(keys).toEqual(ORDER);
      expect(pages).toHaveLength(Math.ceil(NAMES.length / limit));
      expect(pages.at(-1)?.length).toBeGreaterThan(0);
    });

    it("returns full users, without a next cursor when the page ends the list", async () => {
      await current().createUser(newUser("johndoe", { scopes: ["me", "admin"] }), T0);
      const page = await current().listUsers({ limit: 1, cursor: null });
      expect(page).toEqual({ users: [await current().findUserByUsername("johndoe")], nextCursor: null });
    });

    it("continues after the cursor's user even when that user was deleted", async () => {
      for (const name of NAMES) await current().createUser(newUser(name), T0);
      const first = await current().listUsers({ limit: 2, cursor: null });
      await current().deleteUser("bob");
      const second = await current().listUsers({ limit: 2, cursor: first.nextCursor });
      expect(second.users.map((user) => user.username)).toEqual(["carol", "dave"]);
    });

    it("gives a cursor that is not the plain username", async () => {
      for (const name of NAMES) await current().createUser(newUser(name), T0);
      const { nextCursor } = await current().listUsers({ limit: 1, cursor: null });
      expect(nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(nextCursor).not.toBe("alice");
    });

    it.each([
      ["empty", ""],
      ["not base64url", "!!!"],
      ["with a space", "YWxp Y2U"],
      ["padded", "YWxpY2U="],
      ["standard base64", "+/+/"],
      ["non-canonical", "YWxpY2V"],
      ["one character", "A"],
      ["invalid UTF-8", Buffer.from([0xff, 0xfe]).toString("base64url")],
      ["not case-folded", Buffer.from("Alice").toString("base64url")],
      ["too long", "a".repeat(5_000)],
      ["SQL", "' OR 1=1 --"],
    ])("rejects a cursor that is %s with validation_failed", async (_what, cursor) => {
      await current().createUser(newUser("alice"), T0);
      const error = await expectRejectsWith(current().listUsers({ limit: 10, cursor }), "validation_failed");
      expect(error.message).toBe("invalid cursor");
    });

    it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
      "rejects limit %s with validation_failed",
      async (limit) => {
        await expectRejectsWith(current().listUsers({ limit, cursor: null }), "validation_failed");
      },
    );
  });
}
