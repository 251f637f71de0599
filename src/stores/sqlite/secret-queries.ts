import type { Database } from "better-sqlite3";

/** The server secrets of the SQLite store; synchronous, driver errors escape as they are. */
export interface SecretQueries {
  ensure(name: string, candidate: string, now: number): string;
}

/** Prepares the secret statements once, for the life of the connection. */
export function prepareSecretQueries(db: Database): SecretQueries {
  // The first process to store a secret wins; everyone reads the winner's value.
  const insert = db.prepare(
    "INSERT INTO server_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
  );
  const select = db.prepare("SELECT value FROM server_secrets WHERE name = ?").pluck();
  const ensure = db.transaction((name: string, candidate: string, now: number) => {
    insert.run(name, candidate, now);
    const value = select.get(name);
    if (typeof value !== "string") throw new Error("a row of server_secrets does not have the expected shape");
    return value;
  });
  return { ensure: (name, candidate, now) => ensure.immediate(name, candidate, now) };
}
