// Prints "N passed, N failed, N skipped" for each vitest JSON report given as "name=path", then the same line
// for all of them together, last; fails when a report is missing, a test or test file failed, or a report ran
// no test.
import { readFileSync } from "node:fs";

const runs = process.argv.slice(2).map((arg) => {
  const at = arg.indexOf("=");
  const [name, file] = at < 0 ? [arg, arg] : [arg.slice(0, at), arg.slice(at + 1)];
  try {
    const report = JSON.parse(readFileSync(file, "utf8"));
    // A test file that fails to load has no failed test of its own: count it as one failure.
    const brokenFiles = (report.testResults ?? []).filter(
      (file) => file.status === "failed" && !file.assertionResults?.some((test) => test.status === "failed"),
    ).length;
    return {
      name,
      passed: report.numPassedTests ?? 0,
      failed: (report.numFailedTests ?? 0) + brokenFiles,
      skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
    };
  } catch (err) {
    console.error(`no test report at ${file}: ${err.message}`);
    return { name, passed: 0, failed: 1, skipped: 0 };
  }
});

const line = ({ passed, failed, skipped }) => `${passed} passed, ${failed} failed, ${skipped} skipped`;
for (const run of runs) console.log(`${run.name}: ${line(run)}`);
const total = runs.reduce(
  (sum, run) => ({
    passed: sum.passed + run.passed,
    failed: sum.failed + run.failed,
    skipped: sum.skipped + run.skipped,
  }),
  { passed: 0, failed: 0, skipped: 0 },
);
console.log(line(total));
process.exit(runs.length === 0 || total.failed > 0 || runs.some((run) => run.passed === 0) ? 1 : 0);
