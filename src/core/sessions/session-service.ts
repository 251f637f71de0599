import type { AuditContext } from "../audit/audit-event.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { Clock } from "../clock.js";
import { GatehouseError, MESSAGES } from "../errors.js";
import { type TokenRequestContext, type TokenResponse, tokenRequestAuditContext } from "../grants/token-request.js";
import type { AuditEvents, GatehouseStore, StoredUser } from "../store.js";
import type { AccessTokenClaims, AccessTokenService } from "../tokens/access-token.js";
import { splitScopes } from "../tokens/scopes.js";
import { deriveSuccessor, generateRefreshToken, hashRefreshToken, looksLikeRefreshToken } from "./refresh-token.js";
import { newSessionId, sessionStartedAt } from "./session-id.js";
import { clientMetadata, type SessionLimits, sessionExpiry } from "./session-limits.js";

const INVALID_REFRESH = "The refresh token is invalid, expired or revoked";
const PASSWORD_ONLY: readonly string[] = ["pwd"];

/** Issues token pairs, rotates refresh tokens, and takes tokens back. */
export interface SessionService {
  /**
   * A login: a new family with its first refresh token, and an access token in it. `amr` is how
   * the login authenticated (RFC 8176; default `["pwd"]`); the session's refreshes keep it.
   */
  startSession(
    user: StoredUser,
    scopes: readonly string[],
    context: TokenRequestContext,
    amr?: readonly string[],
  ): Promise<TokenResponse>;
  /** A refresh: the presented token's successor (the same one for a retry within the reuse interval). */
  rotate(
    refreshToken: string,
    requestedScopes: readonly string[],
    context: TokenRequestContext,
  ): Promise<TokenResponse>;
  /** RFC 7009: revokes a refresh token's family, or an access token by `jti`. Unknown tokens are ignored. */
  revoke(token: string, hint: string | undefined, context: AuditContext): Promise<void>;
  /** Revokes this access token and the session it belongs to. */
  logout(claims: AccessTokenClaims, context: AuditContext): Promise<void>;
}

/** Options for {@link createSessionService}. */
export interface SessionServiceOptions extends SessionLimits {
  store: GatehouseStore;
  tokens: AccessTokenService;
  clock: Clock;
  /** Milliseconds during which a used refresh token may be presented again; 0 for strict rotation. */
  reuseIntervalMs: number;
  /** The key successors are derived with (see `deriveSuccessor`). */
  successorKey: string;
  audit: AuditLog;
  /** The user's custom claims for each access token, checked; absent for none. */
  customClaims?: (user: StoredUser) => Promise<Record<string, unknown>>;
}

/** Creates the session service. */
export function createSessionService(options: SessionServiceOptions): SessionService {
  const { store, tokens, clock, successorKey, audit } = options;
  // Asked before anything is written: a hook that fails leaves no session and uses up no refresh token.
  const customClaimsOf = async (user: StoredUser) =>
    options.customClaims === undefined ? undefined : await options.customClaims(user);
  const respond = (
    user: StoredUser,
    scopes: readonly string[],
    familyId: string,
    refreshToken: string,
    clientId: string | null,
    amr: readonly string[],
    claims: Record<string, unknown> | undefined,
  ) => {
    // The login's time is in the session id; older sessions' ids do not say, and their tokens carry no auth_time.
    const authTime = sessionStartedAt(familyId);
    const issued = tokens.issue({
      subject: user.username,
      scopes,
      sessionId: familyId,
      ...(clientId === null ? {} : { clientId }),
      ...(authTime === null ? {} : { authTime }),
      amr,
      ...(claims === undefined ? {} : { claims }),
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

  const revokeAccessToken = async (claims: AccessTokenClaims, events: AuditEvents) => {
    if (claims.jti !== undefined) await store.revokeAccessToken(claims.jti, claims.exp * 1000, events);
    else await audit.record(events);
  };

  return {
    async startSession(user, scopes, context, amr = PASSWORD_ONLY) {
      const claims = await customClaimsOf(user);
      const now = clock.now();
      const familyId = newSessionId(now);
      const refresh = generateRefreshToken();
      const clientId = context.clientId ?? null;
      const events = audit.event("login.succeeded", {
        username: user.username,
        context: tokenRequestAuditContext(context),
        sessionId: familyId,
        details: { client_id: clientId, scope: scopes.join(" "), amr: [...amr] },
      });
      await store.createRefreshFamily(
        {
          familyId,
          username: user.username,
          clientId,
          scope: scopes.join(" "),
          tokenHash: refresh.tokenHash,
          issuedAt: now,
          expiresAt: sessionExpiry(options, now, now),
          ...clientMetadata(context),
          amr,
        },
        events,
      );
      return respond(user, scopes, familyId, refresh.token, clientId, amr, claims);
    },

    async rotate(refreshToken, requestedScopes, context) {
      const tokenHash = hashRefreshToken(refreshToken);
      const existing = await store.findRefreshToken(tokenHash);
      if (!existing) throw new GatehouseError("invalid_grant", INVALID_REFRESH);
      const now = clock.now();
      const successor = deriveSuccessor(successorKey, refreshToken);
      const about = {
        username: existing.username,
        context: tokenRequestAuditContext(context),
        sessionId: existing.familyId,
      };
      const clientDetails = { client_id: existing.clientId };
      const rotation = () =>
        store.rotateRefreshToken(
          {
            tokenHash,
            successor: {
              tokenHash: successor.tokenHash,
              issuedAt: now,
              expiresAt: sessionExpiry(options, existing.sessionCreatedAt, now),
            },
            now,
            reuseIntervalMs: options.reuseIntervalMs,
            ...clientMetadata(context),
          },
          {
            rotated: audit.event("token.refreshed", { ...about, details: { ...clientDetails, reissued: false } }),
            reissued: audit.event("token.refreshed", { ...about, details: { ...clientDetails, reissued: true } }),
            reused: audit.event("refresh.reuse_detected", { ...about, details: clientDetails }),
          },
        );
      // A used token presented again is a replay whatever else is wrong with the request (another
      // client, a wider scope): the store decides whether it is a retry within the reuse interval
      // or theft, and revokes the family for theft, before the request is refused.
      const refuse = async (error: GatehouseError): Promise<GatehouseError> => {
        if (existing.usedAt !== null) await rotation();
        return error;
      };
      // A refresh token is bound to the client it was issued to (RFC 6749 §6).
      if (existing.clientId !== (context.clientId ?? null)) {
        throw await refuse(new GatehouseError("invalid_grant", INVALID_REFRESH));
      }
      const user = await store.findUserByUsername(existing.username);
      // A session begun before the user's tokens were invalidated (password change, logout
      // everywhere, disable) stays dead, and so does one past its maximum age.
      if (!user || existing.sessionCreatedAt < user.tokensValidAfter)
        throw new GatehouseError("invalid_grant", INVALID_REFRESH);
      if (user.disabled) throw new GatehouseError("invalid_grant", MESSAGES.inactiveUser);
      if (now >= existing.sessionCreatedAt + options.sessionMaxAge * 1000)
        throw new GatehouseError("invalid_grant", INVALID_REFRESH);
      const familyScopes = splitScopes(existing.scope);
      for (const name of requestedScopes) {
        // RFC 6749 §6: a refresh may narrow the scope, never widen it.
        if (!familyScopes.includes(name))
          throw await refuse(new GatehouseError("invalid_scope", `Scope not granted to this session: ${name}`));
      }
      // Scopes taken from the user since the login are not renewed.
      const scopes = (requestedScopes.length > 0 ? requestedScopes : familyScopes).filter((name) =>
        user.scopes.includes(name),
      );
      const claims = await customClaimsOf(user);
      const result = await rotation();
      if (result.status !== "rotated" && result.status !== "reissued") {
        throw new GatehouseError("invalid_grant", INVALID_REFRESH);
      }
      // A refresh carries on the login: its amr (a second factor included) stays the session's.
      return respond(
        user,
        scopes,
        existing.familyId,
        successor.token,
        existing.clientId,
        existing.amr ?? PASSWORD_ONLY,
        claims,
      );
    },

    async revoke(token, hint, context) {
      const tryRefresh = async () => {
        if (!looksLikeRefreshToken(token)) return false;
        const existing = await store.findRefreshToken(hashRefreshToken(token));
        if (!existing) return false;
        const events = audit.event("token.revoked", {
          username: existing.username,
          context,
          sessionId: existing.familyId,
          details: { token_type: "refresh_token" },
        });
        // RFC 7009 §2.1: revoking a refresh token also ends the access tokens of its grant.
        await store.revokeRefreshFamily(existing.familyId, clock.now(), events);
        return true;
      };
      const tryAccess = async () => {
        let claims: AccessTokenClaims;
        try {
          claims = tokens.verify(token);
        } catch {
          return false;
        }
        await revokeAccessToken(
          claims,
          audit.event("token.revoked", {
            username: claims.sub,
            context,
            sessionId: claims.sid ?? null,
            details: { token_type: "access_token" },
          }),
        );
        return true;
      };
      if (hint === "access_token") {
        if (!(await tryAccess())) await tryRefresh();
      } else if (!(await tryRefresh())) {
        await tryAccess();
      }
    },

    async logout(claims, context) {
      const events = audit.event("logout", { username: claims.sub, context, sessionId: claims.sid ?? null });
      await revokeAccessToken(claims, events);
      if (claims.sid !== undefined) await store.revokeRefreshFamily(claims.sid, clock.now());
    },
  };
}
