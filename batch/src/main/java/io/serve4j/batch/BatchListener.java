package io.serve4j.batch;

/**
 * Observes a batch job, for embedding applications (metrics, UIs). Calls come from the scorer's
 * writer thread, in order; keep them quick and do not throw.
 *
 * <pre>{@code
 * BatchListener l = new BatchListener() {
 *   public void onProgress(BatchProgress p) { gauge.set(p.recordsDone()); }
 * };
 * }</pre>
 */
public interface BatchListener {
  /**
   * Called once before the first record is read.
   *
   * @param start the initial progress (records already done when resuming, total if counted)
   */
  default void onStart(BatchProgress start) {}

  /**
   * Called about every {@link BatchScorer.Builder#progressInterval progress interval} while records
   * are written.
   *
   * @param progress the snapshot
   */
  default void onProgress(BatchProgress progress) {}

  /**
   * Called once when the job completes successfully.
   *
   * @param result the outcome
   */
  default void onFinish(BatchResult result) {}

  /**
   * Called once if the job fails (stop on first error, I/O failure). What was committed before the
   * failure stays; running the same job again resumes after it.
   *
   * @param progress the last progress
   * @param failure the failure
   */
  default void onFailure(BatchProgress progress, RuntimeException failure) {}
}
