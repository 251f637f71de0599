import type { SecondFactorCode } from "../mfa/code-check.js";
import type { StoredUser } from "../store.js";
import type { LoginFailureReason } from "./password-login.js";
import type { TokenRequest, TokenRequestContext, TokenResponse } from "./token-request.js";

/** What a grant handler may use. */
export interface GrantDependencies {
  knownScopes: ReadonlySet<string>;
  /** Refuse users whose e-mail is not verified (`GATEHOUSE_REQUIRE_VERIFIED_EMAIL`). */
  requireVerifiedEmail?: boolean;
  authenticate(username: string, password: string, context: TokenRequestContext): Promise<StoredUser>;
  /** Records a login that failed after the password check (a disabled user). */
  recordLoginFailure(username: string, reason: LoginFailureReason, context: TokenRequestContext): Promise<void>;
  /** Issues an access token and starts a new refresh-token family (a login). */
  issueTokens(user: StoredUser, scopes: string[], context: TokenRequestContext): Promise<TokenResponse>;
  /**
   * What follows a correct password: the session's tokens, the `mfa_required` step for a user
   * with a second factor, or an enrolment-only token when factors are required.
   */
  continuePasswordLogin(user: StoredUser, scopes: string[], context: TokenRequestContext): Promise<TokenResponse>;
  /** The login's second step: an `mfa_token` and a code give the session's tokens. */
  completeSecondFactor(mfaToken: string, code: SecondFactorCode, context: TokenRequestContext): Promise<TokenResponse>;
  /** Rotates a refresh token and issues tokens narrowed to `scopes` (all of the family's when empty). */
  rotateRefreshToken(refreshToken: string, scopes: string[], context: TokenRequestContext): Promise<TokenResponse>;
}

/** Handles one `grant_type`. */
export type GrantHandler = (
  request: TokenRequest,
  context: TokenRequestContext,
  deps: GrantDependencies,
) => Promise<TokenResponse>;
