import { describe, expect, it } from "vitest";
import { createTestServer } from "../support/fixtures.js";

describe("the OpenAPI document and the docs page on second factors", () => {
  it("says how to log in when Authorize cannot do the second step, and documents the routes and grants", async () => {
    const { app } = await createTestServer();
    const document = (await app.inject({ url: "/openapi.json" })).json();
    expect(document.info.description).toContain("Authorize cannot do the second step");
    expect(document.info.description).toContain("urn:gatehouse:grant-type:mfa-otp");
    for (const path of [
      "/users/me/mfa/totp",
      "/users/me/mfa/totp/confirm",
      "/users/me/mfa",
      "/users/me/mfa/recovery-codes",
    ]) {
      expect(Object.keys(document.paths)).toContain(path);
    }
    expect(Object.keys(document.paths)).toContain("/users/{username}/mfa");
    const token = document.paths["/token"].post;
    expect(JSON.stringify(token.requestBody)).toContain("urn:gatehouse:grant-type:mfa-recovery-code");
    expect(Object.keys(token.responses)).toContain("403");
    await app.close();
  });
});
