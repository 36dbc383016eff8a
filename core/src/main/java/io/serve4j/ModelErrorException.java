package io.serve4j;

/** The model failed while computing a prediction. Category {@link ErrorCategory#MODEL_ERROR}. */
public final class ModelErrorException extends ServingException {
  private static final long serialVersionUID = 1L;

  ModelErrorException(Builder builder) {
    super(builder);
  }
}
