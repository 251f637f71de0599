import type { AuditContext } from "../audit/audit-event.js";

/** The parameters of a token request (RFC 6749 §4.3.2, §6), as strings after form decoding. */
export interface TokenRequest {
  grant_type?: string;
  username?: string;
  password?: string;
  scope?: string;
  refresh_token?: string;
  client_id?: string;
  client_secret?: string;
  /** The second login step (the `mfa-otp` and `mfa-recovery-code` grants). */
  mfa_token?: string;
  otp?: string;
  recovery_code?: string;
}

/** Where a token request came from, for throttling, the token's `client_id` and the session's metadata. */
export interface TokenRequestContext {
  /** The client's network address as the server trusts it. */
  clientAddress: string;
  /** The OAuth client, from the body or HTTP Basic; undefined for none. */
  clientId?: string;
  /** The `User-Agent` header, shown in the session list; undefined for none. */
  userAgent?: string;
}

/** The successful token response (RFC 6749 §5.1). */
export interface TokenResponse {
  access_token: string;
  token_type: "bearer";
  expires_in: number;
  refresh_token?: string;
  scope: string;
}

/** Who asks at the token endpoint, for the audit log: the user, from the client's address. */
export function tokenRequestAuditContext(context: TokenRequestContext): AuditContext {
  return {
    actor: "self",
    ip: context.clientAddress,
    ...(context.userAgent === undefined ? {} : { userAgent: context.userAgent }),
  };
}
