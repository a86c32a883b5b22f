import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { METRICS_NAMESPACE } from "./metric-names.ts";

/** Powertools Logger for one function; service name and level come from POWERTOOLS_* variables when set. */
export function createLambdaLogger(serviceName: string): Logger {
  return new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? serviceName });
}

/** Powertools Metrics (EMF), namespace `avmon`; publish with `publishStoredMetrics()` at the end of a call. */
export function createLambdaMetrics(serviceName: string): Metrics {
  return new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? serviceName,
  });
}
