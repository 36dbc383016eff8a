package io.serve4j.spark;

/** What happens to a row that cannot be scored. */
public enum BadRowPolicy {
  /**
   * The default: the row is kept, its output columns are null and the error column holds the
   * failure (category, message, provider, request id). The job goes on.
   */
  ERROR_COLUMN,
  /**
   * The first bad row fails its task (and so the job, once Spark's task retries are spent) with the
   * row's {@link io.serve4j.ServingException}.
   */
  FAIL_FAST
}
