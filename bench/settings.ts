import { join } from "node:path";
import { CACHE_DIR, DOCS_FILE, RESULTS_DIR } from "./paths.js";

/** What a harness run does, from its command line. */
export interface Settings {
  mode: "full" | "quick";
  /** Rounds per side; the reported figure is their median. */
  rounds: number;
  /** Seconds of load per round. */
  seconds: number;
  /** Seconds of unmeasured load before a side's first round. */
  warmupSeconds: number;
  /** Users in the small and the big database of scenario 4. */
  smallUsers: number;
  bigUsers: number;
  /** Connections of the read scenarios; logins use `loginConnections`, as many as the hash limit runs at once. */
  readConnections: number;
  loginConnections: number;
  floodConnections: number;
  /** Users whose tokens and logins scenario 4 cycles through on each side. */
  sampledUsers: number;
  /** The light read load of scenario 3, in requests per second. */
  lightRate: number;
  /** Startup timings per side in scenario 5. */
  startupRounds: number;
  /** Scenario numbers to run (1–5). */
  only: ReadonlySet<number>;
  outDir: string;
  cacheDir: string;
  /** The Markdown report to regenerate; null to leave it alone. */
  docsFile: string | null;
  /** Profile the server under scenario 1 instead of benchmarking. */
  profile: boolean;
}

export const USAGE = `usage: npm run bench -- [--quick] [--profile] [--rounds N] [--seconds S] [--users N]
       [--only 1,2,...] [--out DIR] [--cache DIR] [--docs FILE | --no-docs]`;

/** Reads the harness's flags; quick mode (the smoke test's) is 1 s rounds and 20,000 users. */
export function parseSettings(argv: readonly string[]): Settings {
  const flags = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (["--quick", "--profile", "--no-docs"].includes(arg)) switches.add(arg);
    else if (arg.startsWith("--") && i + 1 < argv.length) flags.set(arg, argv[++i] as string);
    else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  const quick = switches.has("--quick");
  const number = (name: string, fallback: number) => {
    const raw = flags.get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number\n${USAGE}`);
    return value;
  };
  const outDir = flags.get("--out") ?? (quick ? join(CACHE_DIR, "quick") : RESULTS_DIR);
  const docsDefault = quick || flags.has("--out") ? null : DOCS_FILE;
  const only = flags.get("--only");
  const rounds = Math.round(number("--rounds", quick ? 2 : 7));
  return {
    mode: quick ? "quick" : "full",
    rounds,
    seconds: number("--seconds", quick ? 1 : 3),
    warmupSeconds: quick ? 0.25 : 2,
    smallUsers: 100,
    bigUsers: Math.round(number("--users", quick ? 20_000 : 1_000_000)),
    readConnections: 10,
    loginConnections: 4,
    floodConnections: 16,
    sampledUsers: quick ? 4 : 16,
    lightRate: 200,
    startupRounds: quick ? rounds : Math.max(7, rounds),
    only: new Set(only === undefined ? [1, 2, 3, 4, 5, 6] : only.split(",").map(Number)),
    outDir,
    cacheDir: flags.get("--cache") ?? CACHE_DIR,
    docsFile: switches.has("--no-docs") ? null : (flags.get("--docs") ?? docsDefault),
    profile: switches.has("--profile"),
  };
}
