package io.serve4j.cli.internal;

import io.serve4j.ServingClient;
import io.serve4j.cli.ClientFactory;
import java.net.URI;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The options that choose a provider: {@code --provider} and {@code --uri}. */
public final class Connection {
  @Option(
      names = "--provider",
      paramLabel = "ID",
      description =
          "Provider: local (ONNX Runtime in this process; the default), aws, azure, gcp, memory,"
              + " or any other on the class path ('serve4j providers' lists them).")
  String provider;

  @Option(
      names = "--uri",
      paramLabel = "URI",
      description =
          "Provider settings as a URI, e.g. aws://eu-west-1. Its scheme names the provider, so"
              + " --provider may be left out.")
  URI uri;

  /**
   * Returns the provider id the options name.
   *
   * @param spec the command, for usage errors
   * @return the id
   */
  String providerId(CommandSpec spec) {
    if (uri != null) {
      String scheme = uri.getScheme();
      if (scheme == null) {
        throw new ParameterException(
            spec.commandLine(), "--uri " + uri + " has no scheme; write e.g. aws://eu-west-1");
      }
      if (provider != null && !provider.equals(scheme)) {
        throw new ParameterException(
            spec.commandLine(),
            "--provider "
                + provider
                + " and --uri "
                + uri
                + " name different providers; give only one");
      }
      return scheme;
    }
    return provider != null ? provider : "local";
  }

  /**
   * Opens the client.
   *
   * @param clients the factory
   * @param spec the command
   * @return the client
   */
  ServingClient open(ClientFactory clients, CommandSpec spec) {
    return clients.open(providerId(spec), uri);
  }

  /**
   * Opens the client with a retry policy.
   *
   * @param clients the factory
   * @param spec the command
   * @param retry how the client retries
   * @return the client
   */
  ServingClient open(ClientFactory clients, CommandSpec spec, io.serve4j.RetryPolicy retry) {
    return clients.open(providerId(spec), uri, retry);
  }
}
