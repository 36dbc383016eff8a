package io.serve4j;

/**
 * Typed options of one provider (region, credentials, ...). Each provider module has its own
 * implementation, e.g. {@code LocalOptions} or {@code AwsOptions}; passing one to {@link
 * Serve4j#client(ProviderOptions)} picks that provider. Implementations are immutable and never
 * print secrets.
 */
public interface ProviderOptions {
  /**
   * Returns the id of the provider these options are for.
   *
   * @return e.g. {@code "aws"}
   */
  String providerId();
}
