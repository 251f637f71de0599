import type { Reporter, TestModule } from "vitest/node";

/**
 * Ends the run with "N passed, N failed" on a line of its own, the closing line CI
 * recognises, so a run that executes no test is visible.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failed++;
        else skipped++;
      }
      // A module that failed outside its tests (a throwing beforeAll, an import error) is a failure
      // even when its tests were only skipped: the closing line must never hide it.
      if (module.state() === "failed" && failedIn(module) === 0) failed++;
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}

function failedIn(module: TestModule): number {
  let count = 0;
  for (const test of module.children.allTests()) if (test.result().state === "failed") count++;
  return count;
}
