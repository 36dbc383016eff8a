package io.serve4j;

import java.net.URI;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a provider reports about a batch job.
 *
 * @param name the job name
 * @param status its state
 * @param output where results are written
 * @param failureReason why it failed, or null
 * @param details provider facts (job ARN / resource name), never secrets
 */
public record BatchJobDescription(
    String name,
    BatchJobStatus status,
    URI output,
    String failureReason,
    Map<String, String> details) {
  /** Validates and copies. */
  public BatchJobDescription {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(status, "status");
    details = Map.copyOf(details);
  }

  /**
   * Returns the failure reason.
   *
   * @return the reason when FAILED
   */
  public Optional<String> failure() {
    return Optional.ofNullable(failureReason);
  }
}
