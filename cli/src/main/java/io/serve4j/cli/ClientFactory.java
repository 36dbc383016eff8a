package io.serve4j.cli;

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
   * The default: {@link Serve4j#client(URI)} when a URI is given, else {@link
   * Serve4j#client(String)}.
   *
   * @return the factory
   */
  static ClientFactory serviceLoader() {
    return (providerId, uri) -> uri != null ? Serve4j.client(uri) : Serve4j.client(providerId);
  }
}
