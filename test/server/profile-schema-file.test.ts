import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/server/config.js";
import { runTestCli } from "../cli/cli-harness.js";
import { accessTokenFor, createTestServer } from "../support/fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "gatehouse-profile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

function schemaFile(content: unknown): string {
  const path = join(dir, `profile-${++counter}.json`);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

const PROFILE_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  properties: {
    avatar_url: { type: "string", format: "uri", maxLength: 2048 },
    department: { type: "string", enum: ["sales", "engineering"] },
    newsletter: { type: "boolean" },
  },
  additionalProperties: false,
};

describe("GATEHOUSE_PROFILE_SCHEMA", () => {
  it("compiles the JSON Schema file once into the profile option, validating as the server will", async () => {
    const config = loadConfig({ GATEHOUSE_PROFILE_SCHEMA: schemaFile(PROFILE_SCHEMA) });
    const profile = config.gatehouse.profile;
    expect(profile?.["~standard"].vendor).toBe("gatehouse");
    expect(await profile?.["~standard"].validate({ department: "sales" })).toEqual({ value: { department: "sales" } });
    expect(await profile?.["~standard"].validate({ department: "hr", avatar_url: "nope", extra: 1 })).toEqual({
      issues: [
        { path: ["extra"], message: "Extra inputs are not permitted" },
        { path: ["avatar_url"], message: 'must match format "uri"' },
        { path: ["department"], message: "must be equal to one of the allowed values" },
      ],
    });
  });

  it.each([
    ["a file that is not there", null, /cannot be read \(ENOENT\)/],
    ["a file that is not JSON", "{ nope", /is not JSON/],
    ["a schema of no object", { type: "string" }, /must describe an object/],
    [
      "an unknown keyword (strict mode)",
      { type: "object", properties: { a: { type: "string", maxLenght: 3 } } },
      /is not a valid JSON Schema: strict mode: unknown keyword: "maxLenght"/,
    ],
    [
      "a field that collides with a built-in one",
      { type: "object", properties: { email: { type: "string" } } },
      /the profile field email collides/,
    ],
    [
      "an unknown format",
      { type: "object", properties: { a: { type: "string", format: "ipv9" } } },
      /unknown format "ipv9"/,
    ],
  ])("refuses %s with one line naming the file", (_case, content, message) => {
    const path = content === null ? join(dir, "missing.json") : schemaFile(content);
    let error: unknown;
    try {
      loadConfig({ GATEHOUSE_PROFILE_SCHEMA: path });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(`GATEHOUSE_PROFILE_SCHEMA ${path}: `);
    expect((error as Error).message).not.toContain("\n");
  });

  it("makes gatehouse serve fail to start with that one line and exit code 1", async () => {
    const path = schemaFile({ type: "array" });
    const run = await runTestCli(["serve", "--port", "0", "--database", "memory:"], {
      env: { GATEHOUSE_PROFILE_SCHEMA: path },
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain(`GATEHOUSE_PROFILE_SCHEMA ${path}: the schema must describe an object`);
  });

  it("serves the file's fields: validated on PATCH /users/me (422), returned, and in the OpenAPI document as written", async () => {
    const config = loadConfig({ GATEHOUSE_PROFILE_SCHEMA: schemaFile(PROFILE_SCHEMA) });
    const { app } = await createTestServer({
      ...(config.gatehouse.profile ? { profile: config.gatehouse.profile } : {}),
    });
    try {
      const token = await accessTokenFor(app, "johndoe", "secret");
      const patch = (payload: Record<string, unknown>) =>
        app.inject({ method: "PATCH", url: "/users/me", headers: { authorization: `Bearer ${token}` }, payload });
      const bad = await patch({ department: "hr" });
      expect(bad.statusCode).toBe(422);
      expect(bad.json()).toEqual({
        detail: [
          { loc: ["body", "department"], msg: "must be equal to one of the allowed values", type: "value_error" },
        ],
      });
      expect((await patch({ department: "sales", newsletter: true })).json()).toMatchObject({
        username: "johndoe",
        department: "sales",
        newsletter: true,
      });
      const document = (await app.inject({ method: "GET", url: "/openapi.json" })).json() as {
        paths: Record<
          string,
          Record<
            string,
            { responses: Record<string, { content: Record<string, { schema: { properties: unknown } }> }> }
          >
        >;
      };
      expect(
        document.paths["/users/me"]?.get?.responses["200"]?.content["application/json"]?.schema.properties,
      ).toMatchObject({
        department: { type: "string", enum: ["sales", "engineering"] },
      });
    } finally {
      await app.close();
    }
  });
});
