package io.serve4j.cli.internal;

import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.Model;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The endpoint a command talks to: {@code --endpoint NAME}, or {@code --model FILE.onnx} deployed
 * in this process first (for providers that keep endpoints in-process).
 */
public final class Target {
  /** Providers whose endpoints live in the process, so that a one-shot deploy makes sense. */
  static final Set<String> IN_PROCESS = Set.of("local", "memory");

  @Option(
      names = {"-e", "--endpoint"},
      paramLabel = "NAME",
      description =
          "Endpoint to call. With --model, the name to deploy it under (default: the file name).")
  String endpoint;

  @Option(
      names = {"-m", "--model"},
      paramLabel = "FILE",
      description =
          "ONNX model file to deploy in this process first (local provider). The local provider"
              + " keeps endpoints only while the command runs, so give --model every time.")
  Path model;

  /**
   * Checks, before anything is read or opened, that an endpoint or an existing model file is given.
   *
   * @param spec the command
   */
  void validate(CommandSpec spec) {
    if (model == null && endpoint == null) {
      throw new ParameterException(
          spec.commandLine(),
          "say what to call: --model FILE.onnx (runs it here, local provider) or --endpoint"
              + " NAME (an endpoint of the provider)");
    }
    if (model != null && !Files.isRegularFile(model)) {
      // A file that cannot be read is exit code 12 ("could not be read"), as the README says.
      String file = model.toAbsolutePath().toString();
      IOException cause =
          Files.exists(model)
              ? new FileSystemException(file, null, "not a regular file")
              : new NoSuchFileException(file);
      throw new UncheckedIOException("cannot read the model file given by --model", cause);
    }
  }

  /**
   * Resolves the endpoint, deploying the model first if one is given.
   *
   * @param client the client
   * @param spec the command
   * @return the endpoint
   */
  Endpoint resolve(ServingClient client, CommandSpec spec) {
    validate(spec);
    if (model == null) {
      return client.endpoint(endpoint);
    }
    if (!IN_PROCESS.contains(client.providerId())) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .message(
              "--model deploys in this process, which only the local provider does; for '"
                  + client.providerId()
                  + "' deploy once with 'serve4j deploy' and pass --endpoint NAME")
          .build();
    }
    String modelName = modelName(model);
    String name = endpoint != null ? endpoint : endpointName(model);
    client.deploy(EndpointSpec.of(name, Model.onnx(modelName, model.toAbsolutePath()))).await();
    return client.endpoint(name);
  }

  /**
   * Derives a valid endpoint name (letters, digits and {@code -}, at most 63, starting with a
   * letter or digit) from a file name, e.g. {@code silero-vad} for {@code silero_vad.onnx}.
   *
   * @param file the file
   * @return the name
   */
  static String endpointName(Path file) {
    String n = file.getFileName().toString();
    int dot = n.lastIndexOf('.');
    if (dot > 0) {
      n = n.substring(0, dot);
    }
    n = n.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+", "");
    if (n.length() > 63) {
      n = n.substring(0, 63);
    }
    n = n.replaceAll("-+$", "");
    return n.isEmpty() ? "model" : n;
  }

  /**
   * Derives a valid model name from a file name.
   *
   * @param file the file
   * @return e.g. {@code mlp} for {@code mlp.onnx}
   */
  static String modelName(Path file) {
    String n = file.getFileName().toString();
    int dot = n.lastIndexOf('.');
    if (dot > 0) {
      n = n.substring(0, dot);
    }
    n = n.replaceAll("[^A-Za-z0-9._-]", "-").toLowerCase(Locale.ROOT);
    if (n.isEmpty() || !Character.isLetterOrDigit(n.charAt(0))) {
      n = "m" + n;
    }
    return n.length() > 63 ? n.substring(0, 63) : n;
  }
}
