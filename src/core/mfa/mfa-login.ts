import type { AuditLog } from "../audit/audit-log.js";
import type { Clock } from "../clock.js";
import { GatehouseError, MESSAGES } from "../errors.js";
import { type TokenRequestContext, type TokenResponse, tokenRequestAuditContext } from "../grants/token-request.js";
import type { GatehouseStore, StoredUser } from "../store.js";
import type { AccessTokenService } from "../tokens/access-token.js";
import { splitScopes } from "../tokens/scopes.js";
import type { CodeCheck, SecondFactorCode } from "./code-check.js";
import { MFA_ENROLMENT_SCOPE, type MfaMode } from "./mfa-mode.js";
import {
  generateMfaToken,
  hashMfaToken,
  looksLikeMfaToken,
  MFA_TOKEN_MAX_FAILURES,
  MFA_TOKEN_TTL_MS,
} from "./mfa-token.js";

/** RFC 8176 `amr` of a login with a TOTP code, and of one with a recovery code (several factors). */
export const AMR_OTP: readonly string[] = ["pwd", "otp"];
export const AMR_RECOVERY_CODE: readonly string[] = ["pwd", "mfa"];

const MFA_REQUIRED = "A second factor is required: send the mfa_token with a code";
const INVALID_MFA_TOKEN = "The mfa_token is invalid, expired or used up";

/** The second factor's part of the token endpoint. */
export interface MfaLogin {
  /**
   * What follows a correct password (of an enabled user, scopes granted): the `mfa_required`
   * step for a user with a factor, an enrolment-only token when factors are required and the
   * user has none, the session's tokens otherwise.
   */
  continuePasswordLogin(user: StoredUser, scopes: string[], context: TokenRequestContext): Promise<TokenResponse>;
  /**
   * The `mfa_required` step itself: a single-use `mfa_token` bound to this user, address,
   * client and scopes, recorded as `login.mfa_required`. Always throws `mfa_required`.
   */
  challengeSecondFactor(user: StoredUser, scopes: readonly string[], context: TokenRequestContext): Promise<never>;
  /** The second step: the `mfa_token` and a code give the session's tokens, with the `amr` of the code. */
  completeSecondFactor(mfaToken: string, code: SecondFactorCode, context: TokenRequestContext): Promise<TokenResponse>;
}

/** What {@link createMfaLogin} needs. */
export interface MfaLoginOptions {
  store: GatehouseStore;
  clock: Clock;
  audit: AuditLog;
  mode: MfaMode;
  codes: CodeCheck;
  tokens: AccessTokenService;
  startSession(
    user: StoredUser,
    scopes: readonly string[],
    context: TokenRequestContext,
    amr: readonly string[],
  ): Promise<TokenResponse>;
}

/** Creates the token endpoint's second-factor steps. */
export function createMfaLogin(options: MfaLoginOptions): MfaLogin {
  const { store, clock, audit, codes } = options;
  const invalid = () => new GatehouseError("invalid_grant", INVALID_MFA_TOKEN);
  const failed = (username: string, context: TokenRequestContext, kind: SecondFactorCode["kind"]) =>
    audit.record(
      audit.event("login.failed", {
        username,
        context: tokenRequestAuditContext(context),
        details: { reason: "mfa", method: kind, client_id: context.clientId ?? null },
      }),
    );

  const challengeSecondFactor: MfaLogin["challengeSecondFactor"] = async (user, scopes, context) => {
    const now = clock.now();
    const { token, tokenHash } = generateMfaToken();
    await store.createMfaToken({
      tokenHash,
      username: user.username,
      clientAddress: context.clientAddress,
      clientId: context.clientId ?? null,
      scope: scopes.join(" "),
      createdAt: now,
      expiresAt: now + MFA_TOKEN_TTL_MS,
      failures: 0,
    });
    await audit.record(
      audit.event("login.mfa_required", {
        username: user.username,
        context: tokenRequestAuditContext(context),
        details: { client_id: context.clientId ?? null },
      }),
    );
    throw new GatehouseError("mfa_required", MFA_REQUIRED, { mfaToken: token });
  };

  // A user who must enrol first gets a token that reaches the enrolment routes alone: no
  // refresh token, no session, gone when it expires.
  const enrolmentToken = async (user: StoredUser, context: TokenRequestContext): Promise<TokenResponse> => {
    const issued = options.tokens.issue({
      subject: user.username,
      scopes: [MFA_ENROLMENT_SCOPE],
      ...(context.clientId === undefined ? {} : { clientId: context.clientId }),
      authTime: clock.now(),
      amr: ["pwd"],
    });
    await audit.record(
      audit.event("login.succeeded", {
        username: user.username,
        context: tokenRequestAuditContext(context),
        details: {
          client_id: context.clientId ?? null,
          scope: MFA_ENROLMENT_SCOPE,
          amr: ["pwd"],
          enrolment_only: true,
        },
      }),
    );
    return {
      access_token: issued.token,
      token_type: "bearer",
      expires_in: issued.expiresIn,
      scope: issued.claims.scope,
    };
  };

  return {
    async continuePasswordLogin(user, scopes, context) {
      if (options.mode !== "off" && user.mfaEnabled === true) return challengeSecondFactor(user, scopes, context);
      if (options.mode === "required") return enrolmentToken(user, context);
      return options.startSession(user, scopes, context, ["pwd"]);
    },

    challengeSecondFactor,

    async completeSecondFactor(mfaToken, code, context) {
      if (options.mode === "off" || !looksLikeMfaToken(mfaToken)) throw invalid();
      const tokenHash = hashMfaToken(mfaToken);
      const pending = await store.findMfaToken(tokenHash, clock.now());
      // Bound to the attempt: the same address and client as the password step.
      if (pending === null || pending.clientAddress !== context.clientAddress) throw invalid();
      if (pending.clientId !== (context.clientId ?? null)) throw invalid();
      const user = await store.findUserByUsername(pending.username);
      const factor = user === null ? null : await store.findTotpFactor(user.username);
      if (user === null || factor === null || factor.confirmedAt === null) throw invalid();
      if (user.disabled) throw new GatehouseError("invalid_grant", MESSAGES.inactiveUser);
      try {
        await codes.check(
          factor,
          code,
          context.clientAddress,
          audit.event("mfa.recovery_code_used", {
            username: user.username,
            context: tokenRequestAuditContext(context),
            details: { client_id: context.clientId ?? null },
          }),
        );
      } catch (error) {
        if (error instanceof GatehouseError && error.code === "invalid_grant") {
          await store.recordMfaTokenFailure(tokenHash, MFA_TOKEN_MAX_FAILURES);
          await failed(user.username, context, code.kind);
        }
        throw error;
      }
      // Single use: of two requests racing with good codes, one gets the tokens.
      if (!(await store.consumeMfaToken(tokenHash, clock.now()))) throw invalid();
      // Scopes taken from the user since the password step are not granted.
      const scopes = splitScopes(pending.scope).filter((name) => user.scopes.includes(name));
      return options.startSession(user, scopes, context, code.kind === "otp" ? AMR_OTP : AMR_RECOVERY_CODE);
    },
  };
}
