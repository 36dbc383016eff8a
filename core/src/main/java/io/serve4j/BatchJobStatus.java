package io.serve4j;

/** The state of a batch job. */
public enum BatchJobStatus {
  /** Accepted, not running yet. */
  PENDING,
  /** Running. */
  RUNNING,
  /** Finished; the output is complete. */
  SUCCEEDED,
  /** Finished with an error; see the failure reason. */
  FAILED,
  /** Stopped at the caller's request. */
  CANCELLED;

  /**
   * Returns whether the job has finished.
   *
   * @return true for SUCCEEDED, FAILED and CANCELLED
   */
  public boolean isTerminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }
}
