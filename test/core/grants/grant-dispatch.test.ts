import { describe, expect, it } from "vitest";
import { dispatchGrant } from "../../../src/core/grants/grant-dispatch.js";
import type { GrantDependencies } from "../../../src/core/grants/grant-handler.js";
import { GRANT_TYPES, MESSAGES, type StoredUser, type TokenRequest } from "../../../src/core/index.js";

const CONTEXT = { clientAddress: "192.0.2.1", clientId: "app" };
const REFRESH_TOKEN = "r".repeat(43);

function userWith(change: Partial<StoredUser> = {}): StoredUser {
  return {
    username: "johndoe",
    email: "johndoe@example.com",
    emailVerified: false,
    fullName: "John Doe",
    disabled: false,
    scopes: ["me"],
    passwordHash: "unused",
    profile: {},
    tokensValidAfter: 0,
    createdAt: 0,
    updatedAt: 0,
    ...change,
  };
}

/** Grant dependencies that record what the handlers ask of them. */
function recordingDeps(user: StoredUser = userWith()) {
  const calls = {
    authenticate: [] as unknown[][],
    issueTokens: [] as unknown[][],
    rotateRefreshToken: [] as unknown[][],
  };
  const deps: GrantDependencies = {
    knownScopes: new Set(["me", "admin"]),
    async authenticate(...args) {
      calls.authenticate.push(args);
      return user;
    },
    async issueTokens(...args) {
      calls.issueTokens.push(args);
      return { access_token: "issued", token_type: "bearer", expires_in: 1, scope: args[1].join(" ") };
    },
    // The password grant hands a correct password on; without a factor that is issueTokens.
    async continuePasswordLogin(...args) {
      calls.issueTokens.push(args);
      return { access_token: "issued", token_type: "bearer", expires_in: 1, scope: args[1].join(" ") };
    },
    async completeSecondFactor() {
      throw new Error("not in these tests");
    },
    async rotateRefreshToken(...args) {
      calls.rotateRefreshToken.push(args);
      return { access_token: "rotated", token_type: "bearer", expires_in: 1, scope: args[1].join(" ") };
    },
    async recordLoginFailure() {},
  };
  return { deps, calls };
}

async function failure(request: TokenRequest, deps: GrantDependencies): Promise<{ code: string; message: string }> {
  try {
    await dispatchGrant(request, CONTEXT, deps);
  } catch (error) {
    const { code, message } = error as { code: string; message: string };
    return { code, message };
  }
  throw new Error("the grant succeeded");
}

describe("grant registry", () => {
  it("lists exactly the password, refresh_token and the two second-factor grants", () => {
    expect([...GRANT_TYPES]).toEqual([
      "password",
      "refresh_token",
      "urn:gatehouse:grant-type:mfa-otp",
      "urn:gatehouse:grant-type:mfa-recovery-code",
    ]);
    expect(Object.isFrozen(GRANT_TYPES)).toBe(true);
  });
});

describe("dispatchGrant", () => {
  it.each([
    ["absent", {}],
    ["empty", { grant_type: "" }],
    ["password", { grant_type: "password" }],
  ])("treats a %s grant_type as the password grant", async (_name, grant) => {
    const { deps, calls } = recordingDeps();
    const response = await dispatchGrant({ ...grant, username: "johndoe", password: "secret" }, CONTEXT, deps);
    expect(response.access_token).toBe("issued");
    expect(calls.authenticate).toEqual([["johndoe", "secret", CONTEXT]]);
  });

  it.each([
    "client_credentials",
    "authorization_code",
    "Password",
    "password ",
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
  ])("refuses grant_type %j with unsupported_grant_type", async (grantType) => {
    const { deps, calls } = recordingDeps();
    expect(await failure({ grant_type: grantType, username: "johndoe", password: "secret" }, deps)).toEqual({
      code: "unsupported_grant_type",
      message: "The grant type is not supported",
    });
    expect(calls.authenticate).toEqual([]);
  });
});

describe("password grant", () => {
  it.each([
    ["no username", { password: "secret" }, "The username parameter is required"],
    ["an empty username", { username: "", password: "secret" }, "The username parameter is required"],
    ["no password", { username: "johndoe" }, "The password parameter is required"],
    ["an empty password", { username: "johndoe", password: "" }, "The password parameter is required"],
  ])("refuses %s with invalid_request", async (_name, request, message) => {
    const { deps, calls } = recordingDeps();
    expect(await failure(request, deps)).toEqual({ code: "invalid_request", message });
    expect(calls.authenticate).toEqual([]);
  });

  it("refuses an unknown scope with invalid_scope before checking the password", async () => {
    const { deps, calls } = recordingDeps();
    expect(await failure({ username: "johndoe", password: "secret", scope: "me superuser" }, deps)).toEqual({
      code: "invalid_scope",
      message: "Unknown scope: superuser",
    });
    expect(calls.authenticate).toEqual([]);
  });

  it("refuses a malformed scope with invalid_scope before checking the password", async () => {
    const { deps, calls } = recordingDeps();
    expect(await failure({ username: "johndoe", password: "secret", scope: 'me "quoted"' }, deps)).toEqual({
      code: "invalid_scope",
      message: "A requested scope is malformed",
    });
    expect(calls.authenticate).toEqual([]);
  });

  it("passes authenticate's failure through and issues nothing", async () => {
    const { deps, calls } = recordingDeps();
    const wrong = new Error("wrong password");
    deps.authenticate = async () => {
      throw wrong;
    };
    await expect(dispatchGrant({ username: "johndoe", password: "nope" }, CONTEXT, deps)).rejects.toBe(wrong);
    expect(calls.issueTokens).toEqual([]);
  });

  it("refuses a disabled user with invalid_grant Inactive user and issues nothing", async () => {
    const { deps, calls } = recordingDeps(userWith({ disabled: true }));
    expect(await failure({ username: "johndoe", password: "secret" }, deps)).toEqual({
      code: "invalid_grant",
      message: MESSAGES.inactiveUser,
    });
    expect(calls.authenticate).toHaveLength(1);
    expect(calls.issueTokens).toEqual([]);
  });

  it("grants all the user's known scopes when none is requested", async () => {
    const user = userWith({ scopes: ["me", "admin", "retired"] });
    const { deps, calls } = recordingDeps(user);
    await dispatchGrant({ username: "johndoe", password: "secret" }, CONTEXT, deps);
    expect(calls.issueTokens).toEqual([[user, ["me", "admin"], CONTEXT]]);
  });

  it("narrows the token to the requested scopes, once each", async () => {
    const user = userWith({ scopes: ["me", "admin"] });
    const { deps, calls } = recordingDeps(user);
    const response = await dispatchGrant({ username: "johndoe", password: "secret", scope: "me  me" }, CONTEXT, deps);
    expect(response.scope).toBe("me");
    expect(calls.issueTokens).toEqual([[user, ["me"], CONTEXT]]);
  });

  it("refuses a known scope the user does not hold with invalid_scope", async () => {
    const { deps, calls } = recordingDeps(userWith({ scopes: ["me"] }));
    expect(await failure({ username: "johndoe", password: "secret", scope: "admin" }, deps)).toEqual({
      code: "invalid_scope",
      message: "Scope not granted to this user: admin",
    });
    expect(calls.issueTokens).toEqual([]);
  });
});

describe("refresh grant", () => {
  it.each([
    ["absent", {}],
    ["empty", { refresh_token: "" }],
  ])("refuses an %s refresh_token with invalid_request", async (_name, request) => {
    const { deps, calls } = recordingDeps();
    expect(await failure({ grant_type: "refresh_token", ...request }, deps)).toEqual({
      code: "invalid_request",
      message: "The refresh_token parameter is required",
    });
    expect(calls.rotateRefreshToken).toEqual([]);
  });

  it.each([
    ["too short", "r".repeat(42)],
    ["too long", "r".repeat(44)],
    ["not base64url", `${"r".repeat(42)}+`],
    ["a JWT", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqb2huZG9lIn0.c2ln"],
  ])(
    "refuses a malformed refresh token (%s) with invalid_grant without touching the dependencies",
    async (_name, token) => {
      const { deps, calls } = recordingDeps();
      expect(await failure({ grant_type: "refresh_token", refresh_token: token }, deps)).toEqual({
        code: "invalid_grant",
        message: "The refresh token is invalid, expired or revoked",
      });
      expect(calls).toEqual({ authenticate: [], issueTokens: [], rotateRefreshToken: [] });
    },
  );

  it("rotates the presented token with the requested scopes", async () => {
    const { deps, calls } = recordingDeps();
    const response = await dispatchGrant(
      { grant_type: "refresh_token", refresh_token: REFRESH_TOKEN, scope: "me" },
      CONTEXT,
      deps,
    );
    expect(response.access_token).toBe("rotated");
    expect(calls.rotateRefreshToken).toEqual([[REFRESH_TOKEN, ["me"], CONTEXT]]);
    expect(calls.authenticate).toEqual([]);
  });

  it("asks for the family's scopes (an empty list) when no scope is given", async () => {
    const { deps, calls } = recordingDeps();
    await dispatchGrant({ grant_type: "refresh_token", refresh_token: REFRESH_TOKEN }, CONTEXT, deps);
    expect(calls.rotateRefreshToken).toEqual([[REFRESH_TOKEN, [], CONTEXT]]);
  });

  it("refuses a malformed scope with invalid_scope before rotating", async () => {
    const { deps, calls } = recordingDeps();
    expect(
      await failure({ grant_type: "refresh_token", refresh_token: REFRESH_TOKEN, scope: "me\\admin" }, deps),
    ).toEqual({ code: "invalid_scope", message: "A requested scope is malformed" });
    expect(calls.rotateRefreshToken).toEqual([]);
  });
});
