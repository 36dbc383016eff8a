package io.serve4j.batch;

import java.time.Duration;
import java.util.Optional;

/**
 * A snapshot of a running batch job.
 *
 * @param recordsDone records written to the output or the dead-letter file, including those done by
 *     earlier runs that this run resumed from
 * @param totalRecords records in the input, or -1 if not counted
 * @param errors records sent to the dead-letter file (including earlier runs)
 * @param resumedFrom records already done when this run started (0 for a fresh job)
 * @param elapsed time since this run started
 */
public record BatchProgress(
    long recordsDone, long totalRecords, long errors, long resumedFrom, Duration elapsed) {

  /**
   * Returns this run's throughput.
   *
   * @return records per second since this run started
   */
  public double recordsPerSecond() {
    double secs = elapsed.toNanos() / 1e9;
    return secs <= 0 ? 0 : (recordsDone - resumedFrom) / secs;
  }

  /**
   * Returns the estimated time to finish, from this run's throughput.
   *
   * @return the estimate, or empty if the total is unknown or nothing was done yet
   */
  public Optional<Duration> eta() {
    double rate = recordsPerSecond();
    if (totalRecords < 0 || rate <= 0) {
      return Optional.empty();
    }
    return Optional.of(Duration.ofMillis((long) ((totalRecords - recordsDone) / rate * 1000)));
  }

  /**
   * Returns the fraction done.
   *
   * @return 0 to 1, or empty if the total is unknown
   */
  public Optional<Double> fraction() {
    if (totalRecords < 0) {
      return Optional.empty();
    }
    return Optional.of(
        totalRecords == 0 ? 1.0 : Math.min(1.0, (double) recordsDone / totalRecords));
  }
}
