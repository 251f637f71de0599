import { randomBytes } from "node:crypto";
import { Client, escapeIdentifier } from "pg";
import { afterAll, beforeAll, describe } from "vitest";

/**
 * The PostgreSQL server the tests may use, as a URL whose user may create databases
 * (`postgres://postgres@127.0.0.1:5433/postgres`); `.ci/run` starts one and sets it.
 */
export const POSTGRES_TEST_URL = process.env.GATEHOUSE_TEST_POSTGRES_URL || undefined;

const SKIP_REASON =
  "PostgreSQL tests skipped: GATEHOUSE_TEST_POSTGRES_URL is not set (e.g. postgres://postgres@127.0.0.1:5433/postgres; .ci/run starts a server and sets it)";

/** A database of its own for one test file, dropped afterwards. */
export interface TestDatabase {
  /** The URL of the database, with the server URL's credentials. */
  readonly url: string;
  readonly name: string;
  /** Runs one statement on the database as the server URL's user, for inspecting what a store did. */
  query(text: string, values?: unknown[]): Promise<Record<string, unknown>[]>;
}

/**
 * A `describe` that gets a fresh database when GATEHOUSE_TEST_POSTGRES_URL is set, and
 * whose tests are all reported as skipped, with the reason on stderr, when it is not.
 */
export function describePostgres(name: string, body: (database: () => TestDatabase) => void): void {
  const server = POSTGRES_TEST_URL;
  if (server === undefined) console.warn(`${name}: ${SKIP_REASON}`);
  describe.skipIf(server === undefined)(server === undefined ? `${name} (${SKIP_REASON})` : name, () => {
    let database: TestDatabase | undefined;
    let drop: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      if (server === undefined) return;
      ({ database, drop } = await createTestDatabase(server));
    });
    afterAll(async () => {
      await drop?.();
    });
    body(() => {
      if (!database) throw new Error("no test database: describePostgres's beforeAll did not run");
      return database;
    });
  });
}

async function createTestDatabase(server: string): Promise<{ database: TestDatabase; drop: () => Promise<void> }> {
  const name = `gatehouse_test_${randomBytes(6).toString("hex")}`;
  await run(server, `CREATE DATABASE ${escapeIdentifier(name)}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  const database: TestDatabase = {
    url: url.toString(),
    name,
    query: (text, values = []) => run(url.toString(), text, values),
  };
  // FORCE ends connections a failed test left open, so the database always goes.
  const drop = async () => {
    await run(server, `DROP DATABASE IF EXISTS ${escapeIdentifier(name)} WITH (FORCE)`);
  };
  return { database, drop };
}

async function run(url: string, text: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Record<string, unknown>>(text, values)).rows;
  } finally {
    await client.end();
  }
}
