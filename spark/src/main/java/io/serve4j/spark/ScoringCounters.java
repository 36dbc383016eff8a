package io.serve4j.spark;

import org.apache.spark.SparkContext;
import org.apache.spark.util.LongAccumulator;

/**
 * The rows scored and failed by a scoring, as Spark accumulators (shown in the Spark UI as {@code
 * serve4j.scored} and {@code serve4j.failed}). Read them after an action on the scored Dataset.
 * Spark merges the counts of successful task attempts only, so a failed and retried task counts
 * once; like every accumulator updated in a transformation, a partition computed again (a lost
 * cached block, a re-run stage) counts again. The job's log has each task attempt's own counts.
 *
 * <pre>{@code
 * ScoringCounters counters = ScoringCounters.register(spark.sparkContext());
 * Serve4jSpark.score(df, spec, counters).write().parquet("out");
 * log.info("{} scored, {} failed", counters.scored(), counters.failed());
 * }</pre>
 *
 * @param scoredRows the accumulator of scored rows
 * @param failedRows the accumulator of failed rows
 */
public record ScoringCounters(LongAccumulator scoredRows, LongAccumulator failedRows) {
  /**
   * Registers two new accumulators.
   *
   * @param sc the Spark context
   * @return the counters
   */
  public static ScoringCounters register(SparkContext sc) {
    return new ScoringCounters(
        sc.longAccumulator("serve4j.scored"), sc.longAccumulator("serve4j.failed"));
  }

  /**
   * Returns the rows scored so far.
   *
   * @return the count
   */
  public long scored() {
    return scoredRows.value();
  }

  /**
   * Returns the rows failed so far.
   *
   * @return the count
   */
  public long failed() {
    return failedRows.value();
  }
}
