package io.serve4j.cli;

import io.serve4j.RetryPolicy;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import java.net.URI;

/**
 * Opens the {@link ServingClient} a command works with. The default looks providers up with {@link
 * java.util.ServiceLoader}; tests and embedding applications pass their own.
 *
 * <pre>{@code
 * CommandLine cli = Serve4jCli.commandLine((provider, uri) -> myClient);
 * }</pre>
 */
@FunctionalInterface
public interface ClientFactory {
  /**
   * Opens a client.
   *
   * @param providerId the provider id from {@code --provider} (or the URI's scheme)
   * @param uri the {@code --uri} with the provider's settings, or null
   * @return a client the command closes when done
   * @throws io.serve4j.NotFoundException if no such provider is on the class path
   */
  ServingClient open(String providerId, URI uri);

  /**
   * Opens a client whose calls are retried by {@code retry} (core's single retry layer). The
   * default ignores the policy; {@link #serviceLoader()} applies it.
   *
   * @param providerId the provider id
   * @param uri the provider's settings, or null
   * @param retry the retry policy
   * @return a client the command closes when done
   */
  default ServingClient open(String providerId, URI uri, RetryPolicy retry) {
    return open(providerId, uri);
  }

  /**
   * The default: {@link Serve4j#client(URI)} when a URI is given, else {@link
   * Serve4j#client(String)}.
   *
   * @return the factory
   */
  static ClientFactory serviceLoader() {
    return new ClientFactory() {
      @Override
      public ServingClient open(String providerId, URI uri) {
        return uri != null ? Serve4j.client(uri) : Serve4j.client(providerId);
      }

      @Override
      public ServingClient open(String providerId, URI uri, RetryPolicy retry) {
        Serve4j.Builder b = Serve4j.builder().retryPolicy(retry);
        return (uri != null ? b.uri(uri) : b.provider(providerId)).build();
      }
    };
  }
}
