import type { Database, Statement } from "better-sqlite3";
import type { AuditEvents, AuditPage, AuditQuery } from "../../core/store.js";
import { usernameKey } from "../../core/users/user.js";
import { auditPageOf, decodeAuditCursor } from "../audit-cursor.js";
import { AUDIT_EVENT_COLUMNS, readAuditEventRow } from "../sql/rows.js";
import type { OutboxQueries } from "./outbox-queries.js";

/** The audit log of the SQLite store; synchronous, driver errors escape as they are. */
export interface AuditQueries {
  /** Inserts events; the caller runs it inside the transaction of the change they describe. */
  insert(events: AuditEvents | undefined): void;
  /** Inserts events on their own, in one transaction. */
  record(events: AuditEvents): void;
  list(query: AuditQuery): AuditPage;
  purge(before: number): number;
}

// A purge deletes at most this many rows per transaction, so the write lock is never held for
// long even when a whole retention period's worth of events expires at once.
const PURGE_BATCH = 10_000;

/** Prepares the audit statements once, for the life of the connection; events are queued in `outbox` too. */
export function prepareAuditQueries(db: Database, outbox: OutboxQueries): AuditQueries {
  const insertOne = db.prepare(`
    INSERT INTO audit_events (id, time, type, username, username_key, actor, ip, user_agent, session_id, details)
    VALUES (@id, @time, @type, @username, @key, @actor, @ip, @userAgent, @sessionId, @details)
  `);
  const insert = (events: AuditEvents | undefined) => {
    if (events === undefined || events.length === 0) return;
    for (const event of events) {
      insertOne.run({
        ...event,
        key: event.username === null ? null : usernameKey(event.username),
        details: JSON.stringify(event.details),
      });
    }
    outbox.queue(events);
  };
  const record = db.transaction((events: AuditEvents) => insert(events));
  const purgeBatch = db.prepare(`
    DELETE FROM audit_events WHERE seq IN (SELECT seq FROM audit_events WHERE time < ? ORDER BY time LIMIT ${PURGE_BATCH})
  `);
  // One statement per combination of filters, prepared when first used.
  const listings = new Map<string, Statement>();
  const listing = (query: AuditQuery): Statement => {
    const sql = auditListingSql(query);
    let statement = listings.get(sql);
    if (statement === undefined) {
      statement = db.prepare(sql);
      listings.set(sql, statement);
    }
    return statement;
  };

  return {
    insert,
    record: (events) => record.immediate(events),
    list(query) {
      const after = query.cursor === null ? null : decodeAuditCursor(query.cursor);
      const rows = listing(query)
        .all({
          ...(query.username === undefined ? {} : { key: usernameKey(query.username) }),
          ...(query.type === undefined ? {} : { type: query.type }),
          ...(query.since === undefined ? {} : { since: query.since }),
          ...(after === null ? {} : after),
          limit: query.limit + 1,
        })
        .map(readAuditEventRow);
      return auditPageOf(rows, query.limit);
    },
    purge(before) {
      outbox.purge(before);
      let purged = 0;
      for (;;) {
        const deleted = purgeBatch.run(before).changes;
        purged += deleted;
        if (deleted < PURGE_BATCH) return purged;
      }
    },
  };
}

/** The SQL that lists events for a query's combination of filters (named parameters). */
export function auditListingSql(query: Pick<AuditQuery, "username" | "type" | "since" | "cursor">): string {
  const where = [
    query.username === undefined ? null : "username_key = @key",
    // With a user, that user's index range is read and filtered by type (`+` keeps the type
    // index out of it): SQLite has no statistics to know that one user's rows are the fewer.
    query.type === undefined ? null : query.username === undefined ? "type = @type" : "+type = @type",
    query.since === undefined ? null : "time >= @since",
    query.cursor === null ? null : "(time, seq) < (@time, @seq)",
  ].filter((clause) => clause !== null);
  return `
    SELECT ${AUDIT_EVENT_COLUMNS} FROM audit_events
    ${where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`}
    ORDER BY time DESC, seq DESC LIMIT @limit`;
}
