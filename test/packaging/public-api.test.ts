import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The values each entry point exports, pinned: adding or removing one is a change of the
 * public API and must be made here on purpose (and in docs/LIBRARY.md and the CHANGELOG).
 */
const PUBLIC_VALUES: Record<string, string[]> = {
  ".": [
    "ACCESS_TOKEN_TYP",
    "ACCOUNT_MAIL_KINDS",
    "ACCOUNT_TOKEN_LIFETIME_MINUTES",
    "AMR_OTP",
    "AMR_RECOVERY_CODE",
    "AUDIT_EVENT_TYPES",
    "BUILT_IN_USER_FIELDS",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_ISSUER",
    "DEFAULT_SCOPES",
    "DEFAULT_THROTTLE_LIMITS",
    "GRANT_TYPES",
    "GatehouseError",
    "JWKS_MAX_AGE_SECONDS",
    "MAX_CUSTOM_CLAIMS_BYTES",
    "MAX_PROFILE_BYTES",
    "MESSAGES",
    "MFA_ENROLMENT_SCOPE",
    "MFA_OTP_GRANT_TYPE",
    "MFA_RECOVERY_CODE_GRANT_TYPE",
    "MFA_TOKEN_MAX_FAILURES",
    "MFA_TOKEN_TTL_MS",
    "OWASP_ARGON2ID",
    "PASSWORD_MAX_LENGTH",
    "PASSWORD_MIN_LENGTH",
    "RESERVED_CLAIM_NAMES",
    "RESERVED_USERNAMES",
    "SIGNING_ALGORITHMS",
    "USERNAME_MAX_LENGTH",
    "WEBHOOK_SIGNATURE_HEADER",
    "WEBHOOK_TOLERANCE_SECONDS",
    "authenticateBearer",
    "createFixedClock",
    "createGatehouse",
    "createPasswordHasher",
    "createRemoteVerifier",
    "extractBearerToken",
    "gatehouseVerifier",
    "hasSecondFactor",
    "isAuditEventType",
    "isGatehouseError",
    "isMfaMode",
    "liveScopes",
    "requireScopes",
    "requireSecondFactor",
    "systemClock",
    "toAuditEventJson",
    "toPublicUser",
    "usernameKey",
    "verifyWebhookSignature",
  ],
  "./fastify": ["SECURITY_SCHEME", "gatehousePlugin", "securityRequirement"],
  "./express": ["requireBearer"],
  "./verify": [
    "GatehouseError",
    "MESSAGES",
    "authenticateBearer",
    "createRemoteVerifier",
    "errorReply",
    "extractBearerToken",
    "hasSecondFactor",
    "isGatehouseError",
    "requireScopes",
    "requireSecondFactor",
  ],
  "./web": ["bearerAuth"],
  "./sqlite": ["sqliteStore"],
  "./redis": ["createRedisAttempts"],
  "./memory": ["memoryStore"],
  "./postgres": ["postgresStore"],
  "./server": ["ConfigError", "DEFAULT_DATABASE_URL", "buildServer", "loadConfig", "openStore", "startServer"],
  "./testing": [
    "T0",
    "expectRejectsWith",
    "newFamily",
    "newUser",
    "rotation",
    "runAttemptStoreContract",
    "runStoreContract",
    "signingKey",
  ],
};

const root = resolve(import.meta.dirname, "../..");
const manifest = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")) as {
  exports: Record<string, string | { types: string; import: string }>;
};
/** Each entry's source module: the export map's `dist/….js` is built from `src/….ts`. */
const entries = Object.entries(manifest.exports).flatMap(([entry, target]) =>
  typeof target === "object"
    ? [[entry, target.import.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts")] as const]
    : [],
);

describe("the public API", () => {
  it("pins an export list for every entry point of package.json", () => {
    expect(entries.map(([entry]) => entry).sort()).toEqual(Object.keys(PUBLIC_VALUES).sort());
  });

  it.each(entries)("of %s exports exactly the pinned values", async (entry, source) => {
    const module = (await import(resolve(root, source))) as Record<string, unknown>;
    expect(Object.keys(module).sort()).toEqual([...(PUBLIC_VALUES[entry] ?? [])].sort());
  });

  it("gives every type of src/core/store.ts to third-party stores through the core entry", () => {
    const store = readFileSync(resolve(root, "src/core/store.ts"), "utf8");
    const index = readFileSync(resolve(root, "src/core/index.ts"), "utf8");
    const declared = [...store.matchAll(/^export (?:interface|type) (\w+)/gm)].map((match) => match[1] as string);
    expect(declared.length).toBeGreaterThan(20);
    expect(declared.filter((name) => !new RegExp(`\\b${name}\\b`).test(index))).toEqual([]);
  });
});
