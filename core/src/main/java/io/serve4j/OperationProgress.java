package io.serve4j;

import java.time.Instant;
import java.util.Objects;

/**
 * One progress report of a long-running {@link Operation}.
 *
 * @param message what is happening, e.g. "endpoint fraud is Creating"
 * @param fraction completed share 0..1, or -1 when unknown
 * @param at when it was reported
 */
public record OperationProgress(String message, double fraction, Instant at) {
  /** Validates the components. */
  public OperationProgress {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(at, "at");
  }
}
