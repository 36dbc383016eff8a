package io.serve4j.batch;

import io.serve4j.ConflictException;
import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;

/**
 * Another run of a batch job holds the job's lock: a second {@link BatchScorer#run()} on the same
 * output, in this process or another, while the first is still running. Category {@link
 * ErrorCategory#CONFLICT}; not retryable by the scorer (wait for the other run to end, or stop it,
 * then run again: the job resumes from its checkpoint).
 *
 * <p>A {@link ConflictException} of its own type, so that callers (the command line's exit code 13)
 * can tell it from an existing file.
 */
public final class JobLockedException extends ConflictException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what is locked, by which file, and what to do
   */
  public JobLockedException(String message) {
    super(ServingException.builder(ErrorCategory.CONFLICT).message(message).retryable(false));
  }
}
