import type { Clock } from "../clock.js";
import { GatehouseError, MESSAGES } from "../errors.js";
import type { TokenRequestContext, TokenResponse } from "../grants/token-request.js";
import type { GatehouseStore, StoredUser } from "../store.js";
import type { AccessTokenClaims, AccessTokenService } from "../tokens/access-token.js";
import { splitScopes } from "../tokens/scopes.js";
import { generateRefreshToken, hashRefreshToken, looksLikeRefreshToken } from "./refresh-token.js";
import { newSessionId, sessionStartedAt } from "./session-id.js";

const INVALID_REFRESH = "The refresh token is invalid, expired or revoked";

/** Issues token pairs, rotates refresh tokens, and takes tokens back. */
export interface SessionService {
  /** A login: a new family with its first refresh token, and an access token in it. */
  startSession(user: StoredUser, scopes: readonly string[], context: TokenRequestContext): Promise<TokenResponse>;
  rotate(tokenHash: string, requestedScopes: readonly string[], context: TokenRequestContext): Promise<TokenResponse>;
  /** RFC 7009: revokes a refresh token's family, or an access token by `jti`. Unknown tokens are ignored. */
  revoke(token: string, hint: string | undefined): Promise<void>;
  /** Revokes this access token and the session it belongs to. */
  logout(claims: AccessTokenClaims): Promise<void>;
}

/** Options for {@link createSessionService}. */
export interface SessionServiceOptions {
  store: GatehouseStore;
  tokens: AccessTokenService;
  clock: Clock;
  refreshTokenTtl: number;
}

/** Creates the session service. */
export function createSessionService({ store, tokens, clock, refreshTokenTtl }: SessionServiceOptions): SessionService {
  const respond = (
    user: StoredUser,
    scopes: readonly string[],
    familyId: string,
    refreshToken: string,
    clientId: string | null,
  ) => {
    // The login's time is in the session id; older sessions' ids do not say, and their tokens carry no auth_time.
    const authTime = sessionStartedAt(familyId);
    const issued = tokens.issue({
      subject: user.username,
      scopes,
      sessionId: familyId,
      ...(clientId === null ? {} : { clientId }),
      ...(authTime === null ? {} : { authTime }),
    });
    const response: TokenResponse = {
      access_token: issued.token,
      token_type: "bearer",
      expires_in: issued.expiresIn,
      refresh_token: refreshToken,
      scope: issued.claims.scope,
    };
    return response;
  };

  const revokeAccessToken = async (claims: AccessTokenClaims) => {
    if (claims.jti !== undefined) await store.revokeAccessToken(claims.jti, claims.exp * 1000);
  };

  return {
    async startSession(user, scopes, context) {
      const now = clock.now();
      const familyId = newSessionId(now);
      const refresh = generateRefreshToken();
      const clientId = context.clientId ?? null;
      await store.createRefreshFamily({
        tokenHash: refresh.tokenHash,
        familyId,
        username: user.username,
        clientId,
        scope: scopes.join(" "),
        issuedAt: now,
        expiresAt: now + refreshTokenTtl * 1000,
        usedAt: null,
      });
      return respond(user, scopes, familyId, refresh.token, clientId);
    },

    async rotate(tokenHash, requestedScopes, context) {
      const existing = await store.findRefreshToken(tokenHash);
      // A refresh token is bound to the client it was issued to (RFC 6749 §6).
      if (!existing || existing.clientId !== (context.clientId ?? null)) {
        throw new GatehouseError("invalid_grant", INVALID_REFRESH);
      }
      const user = await store.findUserByUsername(existing.username);
      if (!user || existing.issuedAt < user.tokensValidAfter)
        throw new GatehouseError("invalid_grant", INVALID_REFRESH);
      if (user.disabled) throw new GatehouseError("invalid_grant", MESSAGES.inactiveUser);
      const familyScopes = splitScopes(existing.scope);
      for (const name of requestedScopes) {
        // RFC 6749 §6: a refresh may narrow the scope, never widen it.
        if (!familyScopes.includes(name))
          throw new GatehouseError("invalid_scope", `Scope not granted to this session: ${name}`);
      }
      // Scopes taken from the user since the login are not renewed.
      const scopes = (requestedScopes.length > 0 ? requestedScopes : familyScopes).filter((name) =>
        user.scopes.includes(name),
      );
      const now = clock.now();
      const next = generateRefreshToken();
      const result = await store.rotateRefreshToken(
        tokenHash,
        { tokenHash: next.tokenHash, issuedAt: now, expiresAt: now + refreshTokenTtl * 1000 },
        now,
      );
      if (result.status !== "rotated") throw new GatehouseError("invalid_grant", INVALID_REFRESH);
      return respond(user, scopes, existing.familyId, next.token, existing.clientId);
    },

    async revoke(token, hint) {
      const tryRefresh = async () => {
        if (!looksLikeRefreshToken(token)) return false;
        const existing = await store.findRefreshToken(hashRefreshToken(token));
        if (!existing) return false;
        // RFC 7009 §2.1: revoking a refresh token also ends the access tokens of its grant.
        await store.revokeRefreshFamily(existing.familyId, clock.now());
        return true;
      };
      const tryAccess = async () => {
        let claims: AccessTokenClaims;
        try {
          claims = tokens.verify(token);
        } catch {
          return false;
        }
        await revokeAccessToken(claims);
        return true;
      };
      if (hint === "access_token") {
        if (!(await tryAccess())) await tryRefresh();
      } else if (!(await tryRefresh())) {
        await tryAccess();
      }
    },

    async logout(claims) {
      await revokeAccessToken(claims);
      if (claims.sid !== undefined) await store.revokeRefreshFamily(claims.sid, clock.now());
    },
  };
}
