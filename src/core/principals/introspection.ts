import { isGatehouseError } from "../errors.js";
import type { StoredUser } from "../store.js";
import type { AccessTokenClaims } from "../tokens/access-token.js";
import { liveScopes } from "../tokens/scopes.js";

/** RFC 7662 §2.2 response. Inactive tokens reveal nothing else. */
export type IntrospectionResponse =
  | { active: false }
  | {
      active: true;
      scope: string;
      client_id?: string;
      username: string;
      token_type: "Bearer";
      exp: number;
      iat: number;
      sub: string;
      iss?: string;
      aud?: string | string[];
      jti?: string;
    };

type Resolver = (token: string) => Promise<{ claims: AccessTokenClaims; user: StoredUser; stale: boolean }>;

/**
 * Says whether an access token is active now: valid signature and claims, user present and
 * enabled, not revoked or invalidated. Refresh tokens are reported inactive (they are only
 * for the token endpoint).
 */
export async function introspectAccessToken(token: string, resolve: Resolver): Promise<IntrospectionResponse> {
  try {
    const { claims, user, stale } = await resolve(token);
    if (stale || user.disabled) return { active: false };
    return {
      active: true,
      // The live set: what the token may do now, not what it said when it was issued.
      scope: liveScopes(claims.scope, user.scopes).join(" "),
      ...(claims.client_id === undefined ? {} : { client_id: claims.client_id }),
      username: user.username,
      token_type: "Bearer",
      exp: claims.exp,
      iat: Math.floor(claims.iat),
      sub: claims.sub,
      ...(claims.iss === undefined ? {} : { iss: claims.iss }),
      ...(claims.aud === undefined ? {} : { aud: claims.aud }),
      ...(claims.jti === undefined ? {} : { jti: claims.jti }),
    };
  } catch (error) {
    if (isGatehouseError(error)) return { active: false };
    throw error;
  }
}
