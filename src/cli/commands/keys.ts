import type { Command } from "commander";
import type { Gatehouse, SigningAlgorithm, SigningKeyStatus } from "../../core/index.js";
import { addConfigOptions, type ConfigFlags } from "../config-options.js";
import { CliError, type CliIo, writeLine } from "../io.js";
import { loadCommandConfig, withStore } from "../store-session.js";

interface KeysListFlags extends ConfigFlags {
  json?: boolean;
}

/** Registers `gatehouse keys rotate` and `gatehouse keys list`. */
export function registerKeysCommand(program: Command, io: CliIo): void {
  const keys = program.command("keys").description("manage signing keys");
  addConfigOptions(keys.command("rotate"))
    .description(
      "publish a new signing key; it signs once resource servers' JWKS caches can have it, and old keys verify until their tokens expire",
    )
    .action((flags: ConfigFlags) => rotateKeys(flags, io));
  addConfigOptions(keys.command("list").option("--json", "print JSON"))
    .description("show each signing key's kid, algorithm, state (next, current, retiring) and times")
    .action((flags: KeysListFlags) => listKeys(flags, io));
}

/**
 * Adds exactly one new signing key and prints its key id (`kid`); says on stderr when it
 * starts signing.
 */
export async function rotateKeys(flags: ConfigFlags, io: CliIo): Promise<void> {
  // Checked up front so no database is opened (or created) for a rotation that cannot happen.
  if ((io.env.GATEHOUSE_SECRET_KEY ?? "") !== "") {
    throw new CliError("the HS256 key comes from GATEHOUSE_SECRET_KEY; change it there to rotate");
  }
  const { kid, status } = await withKeys(flags, io, async (gatehouse, algorithm) => {
    const created = await gatehouse.rotateKeys(algorithm);
    const listed = await gatehouse.listKeys();
    return { kid: created, status: listed.find((key) => key.kid === created) };
  });
  writeLine(io.stdout, kid);
  if (status !== undefined && status.state === "next") {
    writeLine(
      io.stderr,
      `gatehouse: ${status.algorithm} key ${kid} is in the JWKS now and signs from ${iso(status.signsFrom)}`,
    );
  }
}

/** Prints the signing keys, newest first. */
export async function listKeys(flags: KeysListFlags, io: CliIo): Promise<void> {
  const keys = await withKeys(flags, io, (gatehouse) => gatehouse.listKeys());
  if (flags.json === true) {
    writeLine(io.stdout, JSON.stringify(keys.map(toJson), null, 2));
    return;
  }
  const rows = [
    ["KID", "ALGORITHM", "STATE", "CREATED", "SIGNS FROM", "SIGNS UNTIL", "RETIRES"],
    ...keys.map((key) => [
      key.kid,
      key.algorithm,
      key.state,
      iso(key.createdAt),
      iso(key.signsFrom),
      key.signsUntil === null ? "-" : iso(key.signsUntil),
      key.retiresAt === null ? "-" : iso(key.retiresAt),
    ]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  for (const row of rows) {
    writeLine(
      io.stdout,
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join("  ")
        .trimEnd(),
    );
  }
}

/**
 * Opens a Gatehouse over the database without the configured algorithm, so opening it never
 * adds a key of its own (`keys rotate --algorithm ES256` adds one key, not two), and hands
 * the algorithm to the work.
 */
async function withKeys<T>(
  flags: ConfigFlags,
  io: CliIo,
  work: (gatehouse: Gatehouse, algorithm: SigningAlgorithm | undefined) => Promise<T>,
): Promise<T> {
  const config = await loadCommandConfig(flags, io);
  const { algorithm, ...options } = config.gatehouse;
  const { createGatehouse } = await import("../../core/index.js");
  return withStore(config, async (store) => {
    const gatehouse = await createGatehouse({ store, ...options, syncInterval: 0 });
    return work(gatehouse, algorithm);
  });
}

function toJson(key: SigningKeyStatus) {
  return {
    kid: key.kid,
    algorithm: key.algorithm,
    state: key.state,
    created_at: iso(key.createdAt),
    signs_from: iso(key.signsFrom),
    signs_until: key.signsUntil === null ? null : iso(key.signsUntil),
    retires_at: key.retiresAt === null ? null : iso(key.retiresAt),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
