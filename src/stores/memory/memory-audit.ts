import type { AuditEvent, AuditEvents, AuditStore } from "../../core/store.js";
import { usernameKey } from "../../core/users/user.js";
import { auditPageOf, decodeAuditCursor } from "../audit-cursor.js";
import type { MemoryOutbox } from "./memory-outbox.js";

interface Row {
  seq: number;
  key: string | null;
  event: AuditEvent;
}

/** The memory store's audit log, with the SQL stores' order and filters. */
export interface MemoryAudit extends AuditStore {
  /** Appends events (a write's, in its "transaction"). */
  append(events: AuditEvents | undefined): void;
}

/** Creates the memory store's audit log; every event recorded is also queued in `outbox`. */
export function createMemoryAudit(open: () => void, outbox: MemoryOutbox): MemoryAudit {
  const rows: Row[] = [];
  let seq = 0;
  const copy = (event: AuditEvent): AuditEvent => ({ ...event, details: structuredClone(event.details) });
  const append = (events: AuditEvents | undefined) => {
    for (const event of events ?? []) {
      rows.push({ seq: ++seq, key: event.username === null ? null : usernameKey(event.username), event: copy(event) });
    }
    outbox.queue(events);
  };

  return {
    append,
    async recordAuditEvents(events) {
      open();
      append(events);
    },
    async listAuditEvents({ username, type, since, limit, cursor }) {
      open();
      const after = cursor === null ? null : decodeAuditCursor(cursor);
      const key = username === undefined ? undefined : usernameKey(username);
      const newestFirst = (a: Row, b: Row) => b.event.time - a.event.time || b.seq - a.seq;
      const page = rows
        .filter(
          (row) =>
            (key === undefined || row.key === key) &&
            (type === undefined || row.event.type === type) &&
            (since === undefined || row.event.time >= since) &&
            (after === null || row.event.time < after.time || (row.event.time === after.time && row.seq < after.seq)),
        )
        .sort(newestFirst)
        .slice(0, limit + 1)
        .map((row) => ({ seq: row.seq, event: copy(row.event) }));
      return auditPageOf(page, limit);
    },
    async purgeAuditEvents(before) {
      open();
      outbox.purge(before);
      const kept = rows.filter((row) => row.event.time >= before);
      const purged = rows.length - kept.length;
      rows.splice(0, rows.length, ...kept);
      return purged;
    },
  };
}
