import type { BenchDatabase } from "./database.js";
import type { Settings } from "./settings.js";

/** What every scenario gets from the harness. */
export interface ScenarioContext {
  settings: Settings;
  /** The 100-user database scenarios 1, 2, 3 and 5 run on. */
  small: BenchDatabase;
  /** Prints a progress line to stderr. */
  log(line: string): void;
}
