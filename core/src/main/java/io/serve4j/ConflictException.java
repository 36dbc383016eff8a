package io.serve4j;

/**
 * The resource already exists or is in a state that forbids the call. Category {@link
 * ErrorCategory#CONFLICT}.
 *
 * <p>The one category open to refinement outside core ({@code non-sealed}): a module may name a
 * conflict of its own that callers must tell apart, as {@code io.serve4j.batch.JobLockedException}
 * (another run holds a batch job's lock) does. Such a subclass is still a {@code ConflictException}
 * with category {@code CONFLICT}.
 */
public non-sealed class ConflictException extends ServingException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception; for subclasses, from a builder of category {@code CONFLICT} (the
   * category is the builder's, so pass one made with {@code builder(ErrorCategory.CONFLICT)}).
   *
   * @param builder the builder
   */
  protected ConflictException(Builder builder) {
    super(builder);
  }
}
