package io.serve4j.cli.internal;

import io.serve4j.DeploymentSpec;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.Operation;
import io.serve4j.ServingClient;
import io.serve4j.cli.ClientFactory;
import io.serve4j.cli.ExitCodes;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code serve4j deploy}: create an endpoint serving a model. */
@Command(
    name = "deploy",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Create an endpoint serving a model and wait until it is in service, then describe it.",
      "",
      "Examples:",
      "  serve4j deploy --uri aws://eu-west-1 --endpoint fraud \\",
      "      --artifact s3://my-bucket/models/fraud.onnx",
      "  serve4j deploy --endpoint mlp --artifact mlp.onnx   (local: loads it, shows its"
          + " signature, and is gone when the command ends)"
    })
public final class DeployCommand implements Callable<Integer> {
  private final ClientFactory clients;

  @Spec CommandSpec spec;

  @Option(
      names = {"-e", "--endpoint"},
      paramLabel = "NAME",
      required = true,
      description = "Endpoint name.")
  String endpoint;

  @Option(
      names = {"-a", "--artifact"},
      paramLabel = "URI|FILE",
      required = true,
      description =
          "Model artifact: a local file, or a URI the provider reads (s3://, gs://, ...).")
  String artifact;

  @Option(
      names = "--model-name",
      paramLabel = "NAME",
      description = "Model name (default: the artifact's file name).")
  String modelName;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      defaultValue = "ONNX",
      description = "Model format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  ModelFormat format;

  @Option(names = "--image", paramLabel = "IMAGE", description = "Serving container image, if any.")
  String image;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "PT60M",
      description = "How long to wait, ISO-8601 (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Mixin Connection connection;

  DeployCommand(ClientFactory clients) {
    this.clients = clients;
  }

  @Override
  public Integer call() {
    URI uri = artifactUri(artifact);
    String name =
        modelName != null
            ? modelName
            : Target.modelName(Path.of(uri.getPath() == null ? artifact : uri.getPath()));
    Model.Builder mb = Model.builder().name(name).format(format).artifact(uri);
    if (image != null) {
      mb.image(image);
    }
    PrintWriter err = spec.commandLine().getErr();
    try (ServingClient client = connection.open(clients, spec)) {
      if (Target.IN_PROCESS.contains(client.providerId())) {
        err.println(
            "note: the "
                + client.providerId()
                + " provider keeps endpoints in this process only; this checks that the model"
                + " loads and shows its signature. Use --model with predict or batch to serve it.");
      }
      Operation<Endpoint> op =
          client.deploy(
              EndpointSpec.builder()
                  .name(endpoint)
                  .deployment(DeploymentSpec.of("primary", mb.build()))
                  .build());
      op.onProgress(p -> err.println("  " + p.message()));
      err.flush();
      Endpoint e = op.await(timeout);
      EndpointsCommand.print(e.describe(), spec.commandLine().getOut());
    }
    return ExitCodes.OK;
  }

  private static URI artifactUri(String artifact) {
    Path p = Path.of(artifact);
    if (Files.exists(p)) {
      return p.toAbsolutePath().toUri();
    }
    URI u = URI.create(artifact);
    return u.getScheme() == null ? p.toAbsolutePath().toUri() : u;
  }
}
