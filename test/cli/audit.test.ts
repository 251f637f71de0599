import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTempDatabase, runTestCli } from "./cli-harness.js";

describe("gatehouse audit", () => {
  const db = createTempDatabase();
  const cli = (...args: string[]) => runTestCli([...args, "--database", db.url], { stdin: "a long password\n" });
  const events = async (...args: string[]) => {
    const run = await cli("audit", "--json", ...args);
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout) as Array<{ type: string; username: string | null; actor: string; time: string }>;
  };

  beforeAll(async () => {
    expect((await cli("users", "add", "grace", "--email", "g@example.com", "--password-stdin")).code).toBe(0);
    expect((await cli("users", "add", "ada", "--email", "a@example.com", "--password-stdin")).code).toBe(0);
    expect((await cli("users", "disable", "grace")).code).toBe(0);
    expect((await cli("users", "logout", "ada")).code).toBe(0);
  });
  afterAll(() => db.remove());

  it("lists the CLI's own changes newest first, made by actor cli, as JSON", async () => {
    const listed = await events();
    expect(listed.map((event) => [event.type, event.username, event.actor])).toEqual([
      ["logout.all", "ada", "cli"],
      ["user.disabled", "grace", "cli"],
      ["user.created", "ada", "cli"],
      ["user.created", "grace", "cli"],
    ]);
    expect(JSON.stringify(listed)).not.toContain("a long password");
  });

  it("filters by --user, --type and --since, and stops at --limit", async () => {
    expect((await events("--user", "GRACE")).map((event) => event.type)).toEqual(["user.disabled", "user.created"]);
    expect((await events("--type", "user.created")).map((event) => event.username)).toEqual(["ada", "grace"]);
    expect(await events("--limit", "1")).toHaveLength(1);
    expect(await events("--since", new Date(Date.now() + 60_000).toISOString())).toEqual([]);
  });

  it("prints a table by default", async () => {
    const run = await cli("audit", "--user", "grace");
    expect(run.code).toBe(0);
    const [header, ...rows] = run.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^TIME\s+TYPE\s+USERNAME\s+ACTOR\s+IP\s+SESSION\s+DETAILS$/);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toContain('{"scopes":["me"],"disabled":false}');
  });

  it.each([
    [["--type", "login.maybe"], /unknown event type "login.maybe"/],
    [["--since", "yesterday"], /--since needs an ISO 8601 time/],
    [["--limit", "0"], /--limit must be a whole number/],
  ])("exits 2 for %j", async (args, message) => {
    const run = await cli("audit", ...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});
