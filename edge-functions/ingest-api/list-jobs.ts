import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { parseJobListQuery } from "../../core-service/src/domain/job-listing.ts";
import { refusal } from "../../core-service/src/intake/http-answers.ts";
import type { JobStore } from "../../core-service/src/ports/job-store.ts";
import { answer } from "../shared/http.ts";

/** `GET /v1/jobs?limit=&cursor=`: a page of jobs newest first, from the job table's listing index. */
export async function listJobs(
  event: Pick<APIGatewayProxyEvent, "queryStringParameters" | "multiValueQueryStringParameters">,
  jobs: Pick<JobStore, "list">,
): Promise<APIGatewayProxyResult> {
  const repeated = Object.entries(event.multiValueQueryStringParameters ?? {}).find(
    ([, values]) => (values?.length ?? 0) > 1,
  );
  if (repeated) return answer(refusal(400, `${repeated[0]}: give it once`, repeated[0]));
  const parsed = parseJobListQuery(event.queryStringParameters);
  if (!parsed.ok) return answer(refusal(400, parsed.message, parsed.field));
  return answer({
    status: 200,
    body: await jobs.list(parsed.query),
    headers: { "cache-control": "no-store" },
  });
}
