package io.serve4j.batch.internal;

/** Why one record cannot be turned into a request; it goes to the dead-letter file. */
public final class RecordException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param reason completes "the record ..." e.g. "has no field 'x'"
   */
  public RecordException(String reason) {
    super(reason, null, false, false);
  }
}
