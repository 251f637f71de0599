import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatehouse } from "../../src/core/index.js";
import { sqliteStore } from "../../src/stores/sqlite/index.js";
import { createTestHasher } from "../support/fixtures.js";
import { createTempDatabase, runTestCli } from "./cli-harness.js";

describe("gatehouse sessions list/revoke", () => {
  const db = createTempDatabase();
  const cli = (...args: string[]) => runTestCli([...args, "--database", db.url], { stdin: "johndoe password\n" });
  let refreshTokens: string[] = [];

  /** Logs in through a Gatehouse on the same file, as a running server would. */
  const loginTwice = async () => {
    const gatehouse = await createGatehouse({ store: await sqliteStore(db.path), hasher: createTestHasher() });
    try {
      const context = { clientAddress: "203.0.113.9", userAgent: "Browser\u001b[31m/1.0" };
      const request = { username: "johndoe", password: "johndoe password" };
      const first = await gatehouse.handleTokenRequest(request, context);
      const second = await gatehouse.handleTokenRequest(request, { ...context, clientId: "cli-test" });
      return [first.refresh_token as string, second.refresh_token as string];
    } finally {
      await gatehouse.close();
    }
  };

  beforeAll(async () => {
    expect((await cli("users", "add", "johndoe", "--email", "j@example.com", "--password-stdin")).code).toBe(0);
    refreshTokens = await loginTwice();
  });
  afterAll(() => db.remove());

  it("lists a user's sessions as a table without control characters or tokens", async () => {
    const run = await cli("sessions", "list", "JohnDoe");
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID\s+CREATED\s+LAST USED\s+EXPIRES\s+CLIENT\s+IP\s+USER AGENT$/);
    expect(lines).toHaveLength(3);
    expect(run.stdout).toContain("203.0.113.9");
    expect(run.stdout).toContain("Browser\\u001b[31m/1.0");
    expect(run.stdout).not.toContain("\u001b");
    for (const token of refreshTokens) expect(run.stdout).not.toContain(token);
  });

  it("lists sessions as JSON and revokes one by id", async () => {
    const listed: Array<{ id: string; client_id: string | null }> = JSON.parse(
      (await cli("sessions", "list", "johndoe", "--json")).stdout,
    );
    expect(listed).toHaveLength(2);
    const target = listed.find((session) => session.client_id === "cli-test");
    expect(target).toMatchObject({ ip: "203.0.113.9", amr: ["pwd"], user_agent: "Browser\u001b[31m/1.0" });
    const run = await cli("sessions", "revoke", "johndoe", target?.id ?? "");
    expect(run).toEqual({ code: 0, stdout: `Revoked session ${target?.id}\n`, stderr: "" });
    const left: Array<{ id: string }> = JSON.parse((await cli("sessions", "list", "johndoe", "--json")).stdout);
    expect(left.map((session) => session.id)).toEqual(listed.filter((s) => s !== target).map((s) => s.id));
  });

  it("exits 1 with one line for an unknown user or session", async () => {
    expect(await cli("sessions", "list", "nobody")).toEqual({
      code: 1,
      stdout: "",
      stderr: 'gatehouse: user "nobody" not found\n',
    });
    expect(await cli("sessions", "revoke", "johndoe", "no-such-session")).toEqual({
      code: 1,
      stdout: "",
      stderr: 'gatehouse: user "johndoe" has no live session "no-such-session"\n',
    });
  });

  it("says so when a user has no sessions", async () => {
    await cli("users", "logout", "johndoe");
    expect(await cli("sessions", "list", "johndoe")).toEqual({ code: 0, stdout: "No sessions.\n", stderr: "" });
  });
});
