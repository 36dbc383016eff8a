package io.serve4j;

import java.util.Objects;

/**
 * Shadow traffic: a copy of a percentage of live requests is sent to a deployment whose answers are
 * discarded (used to validate a new model on real traffic).
 *
 * @param deployment the shadow deployment's name; it takes no live traffic
 * @param percent share of requests mirrored, 1..100
 */
public record Mirror(String deployment, int percent) {
  /** Validates the components. */
  public Mirror {
    Objects.requireNonNull(deployment, "deployment");
    if (percent < 1 || percent > 100) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .message("mirror percent must be 1..100, was " + percent)
          .build();
    }
  }
}
