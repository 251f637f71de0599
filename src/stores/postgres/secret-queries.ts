import type { Pool } from "pg";
import { queryFirst, type Statement } from "./sql-runner.js";
import type { Tables } from "./tables.js";

/** The server secrets of the PostgreSQL store; driver errors escape as they are. */
export interface SecretQueries {
  ensure(name: string, candidate: string, now: number): Promise<string>;
}

/** Builds the secret statements for a schema's tables. */
export function createSecretQueries(pool: Pool, t: Tables): SecretQueries {
  // The first instance to store a secret wins. On a conflict the no-op update locks the
  // winner's committed row and returns its value, so a loser that waited never reads its own
  // (older) snapshot and finds nothing, as DO NOTHING and a SELECT would.
  const ensure: Statement = {
    text: `
      INSERT INTO ${t.serverSecrets} AS s (name, value, created_at) VALUES ($1, $2, $3)
      ON CONFLICT (name) DO UPDATE SET value = s.value
      RETURNING value
    `,
  };
  return {
    async ensure(name, candidate, now) {
      const { value } = await queryFirst(pool, ensure, [name, candidate, now]);
      if (typeof value !== "string") throw new Error("a row of server_secrets does not have the expected shape");
      return value;
    },
  };
}
