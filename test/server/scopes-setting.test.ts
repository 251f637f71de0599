import Fastify from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { gatehousePlugin } from "../../src/http/fastify/index.js";
import { ConfigError, loadConfig } from "../../src/server/config.js";
import { createTempDatabase, runTestCli } from "../cli/cli-harness.js";
import { accessTokenFor, createTestGatehouse, createTestServer } from "../support/fixtures.js";

describe("GATEHOUSE_SCOPES (regression: the server knew only me and admin)", () => {
  const databases: Array<{ remove(): void }> = [];
  afterEach(() => {
    for (const db of databases.splice(0)) db.remove();
  });

  it("reads name:description entries separated by commas, or by spaces when there is no comma", () => {
    expect(loadConfig({ GATEHOUSE_SCOPES: "orders:Read your orders, invoices" }).gatehouse.scopes).toEqual({
      orders: "Read your orders",
      invoices: "",
    });
    expect(loadConfig({ GATEHOUSE_SCOPES: "orders invoices:Invoices" }).gatehouse.scopes).toEqual({
      orders: "",
      invoices: "Invoices",
    });
    expect(loadConfig({}).gatehouse.scopes).toBeUndefined();
  });

  it("refuses a malformed scope name with one line naming the setting", () => {
    expect(() => loadConfig({ GATEHOUSE_SCOPES: 'orders, "quoted"' })).toThrow(ConfigError);
    expect(() => loadConfig({ GATEHOUSE_SCOPES: 'orders, "quoted"' })).toThrow(/^GATEHOUSE_SCOPES: scope names are/);
  });

  it("lets users add give a declared scope, and /token grant it", async () => {
    const db = createTempDatabase();
    databases.push(db);
    const env = { GATEHOUSE_SCOPES: "orders:Read your orders" };
    const added = await runTestCli(
      [
        "users",
        "add",
        "grace",
        "--email",
        "g@example.com",
        "--scopes",
        "me orders",
        "--password-stdin",
        "--database",
        db.url,
      ],
      { stdin: "a long passphrase\n", env },
    );
    expect(added.stderr).toBe("");
    expect(added.code).toBe(0);
    const refused = await runTestCli(
      [
        "users",
        "add",
        "ivan",
        "--email",
        "i@example.com",
        "--scopes",
        "me orders",
        "--password-stdin",
        "--database",
        db.url,
      ],
      { stdin: "a long passphrase\n" },
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/unknown scope: orders/);
  });

  it("shows the declared scopes in discovery and grants them at /token", async () => {
    const { app, gatehouse } = await createTestServer({ scopes: { orders: "Read your orders" } });
    await gatehouse.users.update("johndoe", { scopes: ["me", "orders"] });
    const metadata = (await app.inject({ url: "/.well-known/oauth-authorization-server" })).json();
    expect(metadata.scopes_supported).toEqual(["me", "admin", "orders"]);
    const token = await accessTokenFor(app, "johndoe", "secret", "orders");
    const introspected = (await gatehouse.introspect(token)) as { scope?: string };
    expect(introspected.scope).toBe("orders");
    await app.close();
  });
});

describe("a route requiring an unknown scope (regression: it was accepted and refused everyone)", () => {
  it("fails when the route is registered, naming the scope", async () => {
    const { gatehouse } = await createTestGatehouse();
    const app = Fastify();
    await app.register(gatehousePlugin, { gatehouse });
    expect(() => app.gatehouse.requireActiveUser(["orders"])).toThrow(
      "a route requires the unknown scope orders; declare it with the scopes option (GATEHOUSE_SCOPES)",
    );
    expect(() => app.gatehouse.requireActiveUser(["me"])).not.toThrow();
    await app.close();
  });
});
