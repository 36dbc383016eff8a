package io.serve4j.batch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The outcome of a finished batch job.
 *
 * @param records input records in all (scored or dead-lettered), including earlier runs
 * @param scored records written to the output
 * @param errors records written to the dead-letter file
 * @param resumedFrom records already done by earlier runs when this run started
 * @param elapsed this run's duration
 * @param output the output file
 * @param deadLetter the dead-letter file; it exists only if {@code errors > 0}
 */
public record BatchResult(
    long records,
    long scored,
    long errors,
    long resumedFrom,
    Duration elapsed,
    Path output,
    Path deadLetter) {

  /**
   * Returns this run's throughput.
   *
   * @return records per second
   */
  public double recordsPerSecond() {
    double secs = elapsed.toNanos() / 1e9;
    return secs <= 0 ? 0 : (records - resumedFrom) / secs;
  }

  /**
   * Returns the dead-letter file if any record failed.
   *
   * @return the file, or empty if every record was scored
   */
  public Optional<Path> deadLetterIfAny() {
    return errors > 0 ? Optional.of(deadLetter) : Optional.empty();
  }
}
