package io.serve4j;

/** The model artifact could not be loaded. Category {@link ErrorCategory#MODEL_LOAD}. */
public final class ModelLoadException extends ServingException {
  private static final long serialVersionUID = 1L;

  ModelLoadException(Builder builder) {
    super(builder);
  }
}
