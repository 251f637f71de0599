import type { Pool } from "pg";
import type { AuditEvents, AuditPage, AuditQuery } from "../../core/store.js";
import { usernameKey } from "../../core/users/user.js";
import { auditPageOf, decodeAuditCursor } from "../audit-cursor.js";
import { AUDIT_EVENT_COLUMNS, readAuditEventRow } from "../sql/rows.js";
import { webhookPayload } from "../webhook-payload.js";
import { type Queryable, queryRows, type Statement } from "./sql-runner.js";
import type { Tables } from "./tables.js";

/** The audit log of the PostgreSQL store; driver errors escape as they are. */
export interface AuditQueries {
  /**
   * `WITH` list entries that record the events bound at `$first`…`$first+10` (see {@link values})
   * when `where` holds (SQL over the CTEs before them; the event's columns are `e.*`), and queue
   * them for webhook delivery while it is on, so a write, its record and its delivery are one
   * statement and one transaction.
   */
  cte(first: number, where?: string): string;
  /** The eleven array parameters of {@link cte}, one element per event. */
  values(events: AuditEvents | undefined): unknown[];
  /** Records events inside an open transaction (a rotation's). */
  insert(db: Queryable, events: AuditEvents | undefined): Promise<void>;
  list(query: AuditQuery): Promise<AuditPage>;
  purge(before: number): Promise<number>;
}

const PURGE_BATCH = 10_000;

/** Builds the audit statements for a schema's tables. */
export function createAuditQueries(pool: Pool, t: Tables): AuditQueries {
  const cte = (first: number, where?: string) => {
    const p = (offset: number, type: string) => `$${first + offset}::${type}[]`;
    const events = `unnest(${p(0, "text")}, ${p(1, "bigint")}, ${p(2, "text")}, ${p(3, "text")}, ${p(4, "text")},
        ${p(5, "text")}, ${p(6, "text")}, ${p(7, "text")}, ${p(8, "text")}, ${p(9, "text")}, ${p(10, "text")})
      WITH ORDINALITY AS e (id, time, type, username, username_key, actor, ip, user_agent, session_id, details, payload, n)`;
    const condition = where === undefined ? "true" : where;
    return `gatehouse_audit AS (
      INSERT INTO ${t.auditEvents} (id, time, type, username, username_key, actor, ip, user_agent, session_id, details)
      SELECT e.id, e.time, e.type, e.username, e.username_key, e.actor, e.ip, e.user_agent, e.session_id, e.details::jsonb
      FROM ${events}
      WHERE ${condition}
      ORDER BY e.n
      RETURNING seq
    ), gatehouse_outbox AS (
      INSERT INTO ${t.webhookOutbox} (event_id, order_key, payload, created_at, next_attempt_at)
      SELECT e.id, coalesce(e.username_key, ''), e.payload, e.time, e.time
      FROM ${events}
      WHERE (${condition}) AND (SELECT enabled FROM ${t.webhookState} WHERE id = 1)
      ORDER BY e.n
    )`;
  };
  const values = (events: AuditEvents | undefined): unknown[] => {
    const list = events ?? [];
    return [
      list.map((e) => e.id),
      list.map((e) => e.time),
      list.map((e) => e.type),
      list.map((e) => e.username),
      list.map((e) => (e.username === null ? null : usernameKey(e.username))),
      list.map((e) => e.actor),
      list.map((e) => e.ip),
      list.map((e) => e.userAgent),
      list.map((e) => e.sessionId),
      list.map((e) => JSON.stringify(e.details)),
      list.map(webhookPayload),
    ];
  };
  const insert: Statement = {
    name: "gatehouse_record_audit",
    text: `WITH ${cte(1)} SELECT count(*) FROM gatehouse_audit`,
  };
  const purge: Statement = {
    name: "gatehouse_purge_audit",
    text: `
      DELETE FROM ${t.auditEvents} WHERE seq IN (
        SELECT seq FROM ${t.auditEvents} WHERE time < $1 ORDER BY time, seq LIMIT ${PURGE_BATCH}
      )`,
  };
  const listing = (query: AuditQuery): Statement => {
    const where: string[] = [];
    const at = (clause: string) => where.push(clause.replace("?", `$${where.length + 2}`));
    if (query.username !== undefined) at("username_key = ?");
    if (query.type !== undefined) at("type = ?");
    if (query.since !== undefined) at("time >= ?");
    if (query.cursor !== null) {
      const n = where.length + 2;
      where.push(`(time, seq) < ($${n}, $${n + 1})`);
    }
    const shape = where.join(" AND ");
    return {
      // A named statement per combination of filters: each is planned once per connection.
      name: `gatehouse_list_audit_${[query.username, query.type, query.since].map((v) => (v === undefined ? 0 : 1)).join("")}${query.cursor === null ? 0 : 1}`,
      text: `
        SELECT ${AUDIT_EVENT_COLUMNS} FROM ${t.auditEvents}
        ${shape === "" ? "" : `WHERE ${shape}`}
        ORDER BY time DESC, seq DESC LIMIT $1`,
    };
  };

  return {
    cte,
    values,
    async insert(db, events) {
      if (events !== undefined && events.length > 0) await queryRows(db, insert, values(events));
    },
    async list(query) {
      const after = query.cursor === null ? null : decodeAuditCursor(query.cursor);
      const params: unknown[] = [query.limit + 1];
      if (query.username !== undefined) params.push(usernameKey(query.username));
      if (query.type !== undefined) params.push(query.type);
      if (query.since !== undefined) params.push(query.since);
      if (after !== null) params.push(after.time, after.seq);
      return auditPageOf((await queryRows(pool, listing(query), params)).map(readAuditEventRow), query.limit);
    },
    async purge(before) {
      await pool.query({ text: `DELETE FROM ${t.webhookOutbox} WHERE created_at < $1`, values: [before] });
      let purged = 0;
      for (;;) {
        const deleted = (await pool.query({ name: purge.name, text: purge.text, values: [before] })).rowCount ?? 0;
        purged += deleted;
        if (deleted < PURGE_BATCH) return purged;
      }
    },
  };
}
