/**
 * Runs a step generator (trainSteps, presentTestSteps, trainRateRnnSteps, LogisticRegression.fitSteps) to
 * its end and returns what it returns: the synchronous form of each of them.
 */
export function runToEnd<R>(steps: Generator<unknown, R, void>): R {
  for (let r = steps.next(); ; r = steps.next()) if (r.done) return r.value;
}
