package io.serve4j.resilience;

import java.util.Objects;

/**
 * How far one output of a shadow differs from the primary's.
 *
 * @param output the output name
 * @param maxAbsoluteError largest |primary - shadow| over the elements
 * @param maxRelativeError largest |primary - shadow| / max(|primary|, tiny) over the elements
 * @param comparable false if the output is missing on one side or its type or shape differ, in
 *     which case the errors are infinite
 * @param note why it is not comparable, or empty
 */
public record OutputDifference(
    String output,
    double maxAbsoluteError,
    double maxRelativeError,
    boolean comparable,
    String note) {
  /** Validates the components. */
  public OutputDifference {
    Objects.requireNonNull(output, "output");
    Objects.requireNonNull(note, "note");
  }
}
