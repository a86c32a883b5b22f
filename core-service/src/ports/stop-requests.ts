/** Stop requests for running jobs (`DELETE /v1/jobs/{id}`), recorded where every worker task can see them. */
export interface StopRequests {
  /** Records that a job should stop; the worker running it polls for this. */
  request(jobId: string, at: Date): Promise<void>;
}

export interface StopRequestReader {
  isRequested(jobId: string): Promise<boolean>;
}
