package io.serve4j;

/**
 * The provider cannot do this; raised before any call is made. Category {@link
 * ErrorCategory#UNSUPPORTED_CAPABILITY}.
 */
public final class UnsupportedCapabilityException extends ServingException {
  private static final long serialVersionUID = 1L;

  UnsupportedCapabilityException(Builder builder) {
    super(builder);
  }
}
