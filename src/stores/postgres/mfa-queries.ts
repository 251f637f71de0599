import type { Pool, PoolClient } from "pg";
import type { AuditEvents, MfaStore } from "../../core/store.js";
import { usernameKey } from "../../core/users/user.js";
import { readMfaTokenRow, readTotpFactorRow } from "../sql/mfa-rows.js";
import type { AuditQueries } from "./audit-queries.js";
import type { ChangeCounter } from "./change-counter.js";
import { inTransaction, queryRows, type Statement } from "./sql-runner.js";
import type { Tables } from "./tables.js";

/** The second-factor operations of the PostgreSQL store (the {@link MfaStore} methods); driver errors escape. */
export type MfaQueries = MfaStore & { purgeExpired(now: number): Promise<number> };

/**
 * Builds the second-factor statements for a schema's tables. Changes of several rows run in
 * one transaction that first locks the user's factor row, so concurrent confirmations or uses
 * of one recovery code serialise; a change of `mfa_enabled` counts as a change of the store,
 * so other instances reload the user.
 */
export function createMfaQueries(pool: Pool, t: Tables, changes: ChangeCounter, audit: AuditQueries): MfaQueries {
  const factors = t.schemaQualified("mfa_totp_factors");
  const codes = t.schemaQualified("mfa_recovery_codes");
  const tokens = t.schemaQualified("mfa_tokens");
  const userId = (p: string) => `(SELECT id FROM ${t.users} WHERE username_key = ${p})`;

  const selectFactor: Statement = {
    text: `SELECT u.username, f.secret_ciphertext, f.created_at, f.confirmed_at, f.last_time_step
      FROM ${factors} f JOIN ${t.users} u ON u.id = f.user_id WHERE u.username_key = $1`,
  };
  const upsertPending: Statement = {
    text: `INSERT INTO ${factors} AS f (user_id, secret_ciphertext, created_at, confirmed_at, last_time_step)
      SELECT id, $2, $3, NULL, NULL FROM ${t.users} WHERE username_key = $1
      ON CONFLICT (user_id) DO UPDATE SET secret_ciphertext = excluded.secret_ciphertext, created_at = excluded.created_at
      WHERE f.confirmed_at IS NULL
      RETURNING 1`,
  };
  const confirmFactor: Statement = {
    text: `UPDATE ${factors} SET confirmed_at = $2, last_time_step = $3
      WHERE user_id = ${userId("$1")} AND confirmed_at IS NULL RETURNING 1`,
  };
  const lockConfirmed: Statement = {
    text: `SELECT 1 FROM ${factors} WHERE user_id = ${userId("$1")} AND confirmed_at IS NOT NULL FOR UPDATE`,
  };
  const setEnabled: Statement = { text: `UPDATE ${t.users} SET mfa_enabled = $2 WHERE username_key = $1` };
  const deleteCodes: Statement = { text: `DELETE FROM ${codes} WHERE user_id = ${userId("$1")}` };
  const insertCodes: Statement = {
    text: `INSERT INTO ${codes} (user_id, code_hash, used_at)
      SELECT ${userId("$1")}, hash, NULL FROM unnest($2::text[]) AS hash ON CONFLICT DO NOTHING`,
  };
  const acceptStep: Statement = {
    text: `UPDATE ${factors} SET last_time_step = $2
      WHERE user_id = ${userId("$1")} AND confirmed_at IS NOT NULL AND (last_time_step IS NULL OR last_time_step < $2)
      RETURNING 1`,
  };
  const deleteFactor: Statement = { text: `DELETE FROM ${factors} WHERE user_id = ${userId("$1")} RETURNING 1` };
  const useCode: Statement = {
    text: `UPDATE ${codes} SET used_at = $3
      WHERE user_id = ${userId("$1")} AND code_hash = $2 AND used_at IS NULL RETURNING 1`,
  };
  const countCodes: Statement = {
    text: `SELECT count(*)::int AS count FROM ${codes} WHERE user_id = ${userId("$1")} AND used_at IS NULL`,
  };
  const insertToken: Statement = {
    text: `INSERT INTO ${tokens} (token_hash, user_id, client_address, client_id, scope, created_at, expires_at, failures)
      SELECT $1, id, $3, $4, $5, $6, $7, 0 FROM ${t.users} WHERE username_key = $2`,
  };
  const selectToken: Statement = {
    text: `SELECT k.token_hash, u.username, k.client_address, k.client_id, k.scope, k.created_at, k.expires_at, k.failures
      FROM ${tokens} k JOIN ${t.users} u ON u.id = k.user_id WHERE k.token_hash = $1 AND k.expires_at > $2`,
  };
  const countFailure: Statement = {
    text: `UPDATE ${tokens} SET failures = failures + 1 WHERE token_hash = $1 RETURNING failures`,
  };
  const deleteToken: Statement = { text: `DELETE FROM ${tokens} WHERE token_hash = $1` };
  const consumeToken: Statement = {
    text: `DELETE FROM ${tokens} WHERE token_hash = $1 AND expires_at > $2 RETURNING 1`,
  };
  const purgeTokens: Statement = {
    text: `WITH gone AS (DELETE FROM ${tokens} WHERE expires_at <= $1 RETURNING 1) SELECT count(*)::int AS purged FROM gone`,
  };

  const writeCodes = async (client: PoolClient, key: string, hashes: readonly string[]) => {
    await queryRows(client, deleteCodes, [key]);
    await queryRows(client, insertCodes, [key, [...hashes]]);
  };
  const recordIn = async (client: PoolClient, events: AuditEvents | undefined) => {
    await audit.insert(client, events);
    await changes.count(client);
  };

  return {
    async findTotpFactor(username) {
      const [row] = await queryRows(pool, selectFactor, [usernameKey(username)]);
      return row === undefined ? null : readTotpFactorRow(row);
    },
    async savePendingTotpFactor(username, secret, now) {
      return (await queryRows(pool, upsertPending, [usernameKey(username), secret, now])).length > 0;
    },
    confirmTotpFactor: (username, c, events) =>
      inTransaction(pool, async (client) => {
        const key = usernameKey(username);
        if ((await queryRows(client, confirmFactor, [key, c.now, c.timeStep])).length === 0) return false;
        await writeCodes(client, key, c.recoveryCodeHashes);
        await queryRows(client, setEnabled, [key, true]);
        await recordIn(client, events);
        return true;
      }),
    async acceptTotpTimeStep(username, timeStep) {
      return (await queryRows(pool, acceptStep, [usernameKey(username), timeStep])).length > 0;
    },
    deleteMfa: (username, _now, events) =>
      inTransaction(pool, async (client) => {
        const key = usernameKey(username);
        if ((await queryRows(client, deleteFactor, [key])).length === 0) return false;
        await queryRows(client, deleteCodes, [key]);
        await queryRows(client, setEnabled, [key, false]);
        await recordIn(client, events);
        return true;
      }),
    replaceRecoveryCodes: (username, hashes, events) =>
      inTransaction(pool, async (client) => {
        const key = usernameKey(username);
        if ((await queryRows(client, lockConfirmed, [key])).length === 0) return false;
        await writeCodes(client, key, hashes);
        await recordIn(client, events);
        return true;
      }),
    consumeRecoveryCode: (username, hash, now, events) =>
      inTransaction(pool, async (client) => {
        const key = usernameKey(username);
        if ((await queryRows(client, lockConfirmed, [key])).length === 0) return false;
        if ((await queryRows(client, useCode, [key, hash, now])).length === 0) return false;
        await audit.insert(client, events);
        return true;
      }),
    async countRecoveryCodes(username) {
      const [row] = await queryRows(pool, countCodes, [usernameKey(username)]);
      const count = row?.count;
      return typeof count === "number" ? count : 0;
    },
    async createMfaToken(token) {
      await queryRows(pool, insertToken, [
        token.tokenHash,
        usernameKey(token.username),
        token.clientAddress,
        token.clientId,
        token.scope,
        token.createdAt,
        token.expiresAt,
      ]);
    },
    async findMfaToken(tokenHash, now) {
      const [row] = await queryRows(pool, selectToken, [tokenHash, now]);
      return row === undefined ? null : readMfaTokenRow(row);
    },
    recordMfaTokenFailure: (tokenHash, maxFailures) =>
      inTransaction(pool, async (client) => {
        const [row] = await queryRows(client, countFailure, [tokenHash]);
        const failures = row?.failures;
        if (typeof failures !== "number") return false;
        if (failures < maxFailures) return true;
        await queryRows(client, deleteToken, [tokenHash]);
        return false;
      }),
    async consumeMfaToken(tokenHash, now) {
      return (await queryRows(pool, consumeToken, [tokenHash, now])).length > 0;
    },
    async purgeExpired(now) {
      const [row] = await queryRows(pool, purgeTokens, [now]);
      const purged = row?.purged;
      return typeof purged === "number" ? purged : 0;
    },
  };
}
