import type { Database } from "better-sqlite3";
import type { AuditEvents, StoredMfaToken, StoredTotpFactor, TotpConfirmation } from "../../core/store.js";
import { usernameKey } from "../../core/users/user.js";
import { readMfaTokenRow, readTotpFactorRow } from "../sql/mfa-rows.js";

/** The second-factor operations of the SQLite store; synchronous, driver errors escape as they are. */
export interface MfaQueries {
  findFactor(username: string): StoredTotpFactor | null;
  savePending(username: string, secretCiphertext: string, now: number): boolean;
  confirm(username: string, confirmation: TotpConfirmation, events?: AuditEvents): boolean;
  acceptStep(username: string, timeStep: number): boolean;
  deleteMfa(username: string, events?: AuditEvents): boolean;
  replaceCodes(username: string, codeHashes: readonly string[], events?: AuditEvents): boolean;
  consumeCode(username: string, codeHash: string, now: number, events?: AuditEvents): boolean;
  countCodes(username: string): number;
  createToken(token: StoredMfaToken): void;
  findToken(tokenHash: string, now: number): StoredMfaToken | null;
  recordFailure(tokenHash: string, maxFailures: number): boolean;
  consumeToken(tokenHash: string, now: number): boolean;
  purgeExpired(now: number): number;
}

const USER_ID = "(SELECT id FROM users WHERE username_key = @key)";

/**
 * Prepares every second-factor statement once; `record` inserts audit events inside the
 * transaction that is open when it is called. Each multi-statement change is one IMMEDIATE
 * transaction, so two processes cannot both confirm, or both use one recovery code.
 */
export function prepareMfaQueries(db: Database, record: (events: AuditEvents | undefined) => void): MfaQueries {
  const selectFactor = db.prepare(`
    SELECT u.username, f.secret_ciphertext, f.created_at, f.confirmed_at, f.last_time_step
    FROM mfa_totp_factors f JOIN users u ON u.id = f.user_id WHERE u.username_key = ?
  `);
  // Replaces only a pending factor: a confirmed one is changed by confirm/delete alone.
  const upsertPending = db.prepare(`
    INSERT INTO mfa_totp_factors (user_id, secret_ciphertext, created_at, confirmed_at, last_time_step)
    SELECT id, @secret, @now, NULL, NULL FROM users WHERE username_key = @key
    ON CONFLICT (user_id) DO UPDATE SET secret_ciphertext = excluded.secret_ciphertext,
      created_at = excluded.created_at
    WHERE mfa_totp_factors.confirmed_at IS NULL
  `);
  const confirmFactor = db.prepare(`
    UPDATE mfa_totp_factors SET confirmed_at = @now, last_time_step = @step
    WHERE user_id = ${USER_ID} AND confirmed_at IS NULL
  `);
  const setEnabled = db.prepare("UPDATE users SET mfa_enabled = @enabled WHERE username_key = @key");
  const deleteCodes = db.prepare(`DELETE FROM mfa_recovery_codes WHERE user_id = ${USER_ID}`);
  const insertCode = db.prepare(`
    INSERT OR IGNORE INTO mfa_recovery_codes (user_id, code_hash, used_at) VALUES (${USER_ID}, @hash, NULL)
  `);
  const acceptStep = db.prepare(`
    UPDATE mfa_totp_factors SET last_time_step = @step
    WHERE user_id = ${USER_ID} AND confirmed_at IS NOT NULL AND (last_time_step IS NULL OR last_time_step < @step)
  `);
  const deleteFactor = db.prepare(`DELETE FROM mfa_totp_factors WHERE user_id = ${USER_ID}`);
  const confirmedExists = db.prepare(
    `SELECT 1 FROM mfa_totp_factors WHERE user_id = ${USER_ID} AND confirmed_at IS NOT NULL`,
  );
  const useCode = db.prepare(`
    UPDATE mfa_recovery_codes SET used_at = @now
    WHERE user_id = ${USER_ID} AND code_hash = @hash AND used_at IS NULL
  `);
  const countCodes = db
    .prepare(`SELECT count(*) FROM mfa_recovery_codes WHERE user_id = ${USER_ID} AND used_at IS NULL`)
    .pluck();
  const insertToken = db.prepare(`
    INSERT INTO mfa_tokens (token_hash, user_id, client_address, client_id, scope, created_at, expires_at, failures)
    SELECT @tokenHash, id, @clientAddress, @clientId, @scope, @createdAt, @expiresAt, 0 FROM users WHERE username_key = @key
  `);
  const selectToken = db.prepare(`
    SELECT t.token_hash, u.username, t.client_address, t.client_id, t.scope, t.created_at, t.expires_at, t.failures
    FROM mfa_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND t.expires_at > ?
  `);
  const countFailure = db.prepare(
    "UPDATE mfa_tokens SET failures = failures + 1 WHERE token_hash = ? RETURNING failures",
  );
  const deleteToken = db.prepare("DELETE FROM mfa_tokens WHERE token_hash = ?");
  const consumeToken = db.prepare("DELETE FROM mfa_tokens WHERE token_hash = ? AND expires_at > ?");
  const purgeTokens = db.prepare("DELETE FROM mfa_tokens WHERE expires_at <= ?");

  const writeCodes = (key: string, hashes: readonly string[]) => {
    deleteCodes.run({ key });
    for (const hash of hashes) insertCode.run({ key, hash });
  };

  const confirm = db.transaction((username: string, c: TotpConfirmation, events: AuditEvents | undefined) => {
    const key = usernameKey(username);
    if (confirmFactor.run({ key, now: c.now, step: c.timeStep }).changes === 0) return false;
    writeCodes(key, c.recoveryCodeHashes);
    setEnabled.run({ key, enabled: 1 });
    record(events);
    return true;
  });
  const remove = db.transaction((username: string, events: AuditEvents | undefined) => {
    const key = usernameKey(username);
    if (deleteFactor.run({ key }).changes === 0) return false;
    deleteCodes.run({ key });
    setEnabled.run({ key, enabled: 0 });
    record(events);
    return true;
  });
  const replace = db.transaction((username: string, hashes: readonly string[], events: AuditEvents | undefined) => {
    const key = usernameKey(username);
    if (confirmedExists.get({ key }) === undefined) return false;
    writeCodes(key, hashes);
    record(events);
    return true;
  });
  const consume = db.transaction((username: string, hash: string, now: number, events: AuditEvents | undefined) => {
    const key = usernameKey(username);
    if (confirmedExists.get({ key }) === undefined) return false;
    if (useCode.run({ key, hash, now }).changes === 0) return false;
    record(events);
    return true;
  });
  const failure = db.transaction((tokenHash: string, maxFailures: number) => {
    const failures = countFailure.pluck().get(tokenHash);
    if (typeof failures !== "number") return false;
    if (failures < maxFailures) return true;
    deleteToken.run(tokenHash);
    return false;
  });

  return {
    findFactor(username) {
      const row = selectFactor.get(usernameKey(username));
      return row === undefined ? null : readTotpFactorRow(row);
    },
    savePending: (username, secret, now) => upsertPending.run({ key: usernameKey(username), secret, now }).changes > 0,
    confirm: (username, confirmation, events) => confirm.immediate(username, confirmation, events),
    acceptStep: (username, timeStep) => acceptStep.run({ key: usernameKey(username), step: timeStep }).changes > 0,
    deleteMfa: (username, events) => remove.immediate(username, events),
    replaceCodes: (username, hashes, events) => replace.immediate(username, hashes, events),
    consumeCode: (username, hash, now, events) => consume.immediate(username, hash, now, events),
    countCodes(username) {
      const count = countCodes.get({ key: usernameKey(username) });
      return typeof count === "number" ? count : 0;
    },
    createToken(token) {
      insertToken.run({
        tokenHash: token.tokenHash,
        clientAddress: token.clientAddress,
        clientId: token.clientId,
        scope: token.scope,
        createdAt: token.createdAt,
        expiresAt: token.expiresAt,
        key: usernameKey(token.username),
      });
    },
    findToken(tokenHash, now) {
      const row = selectToken.get(tokenHash, now);
      return row === undefined ? null : readMfaTokenRow(row);
    },
    recordFailure: (tokenHash, maxFailures) => failure.immediate(tokenHash, maxFailures),
    consumeToken: (tokenHash, now) => consumeToken.run(tokenHash, now).changes > 0,
    purgeExpired: (now) => purgeTokens.run(now).changes,
  };
}
