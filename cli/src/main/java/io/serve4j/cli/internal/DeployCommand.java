package io.serve4j.cli.internal;

import io.serve4j.Accelerator;
import io.serve4j.DeploymentSpec;
import io.serve4j.DeviceType;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.Operation;
import io.serve4j.Scaling;
import io.serve4j.ScalingMetric;
import io.serve4j.ServingClient;
import io.serve4j.cli.ClientFactory;
import io.serve4j.cli.ExitCodes;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code serve4j deploy}: create an endpoint serving a model. */
@Command(
    name = "deploy",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    // Wide enough that the examples print whole and can be pasted into a shell.
    usageHelpWidth = 120,
    description = {
      "Create an endpoint serving a model and wait until it is in service, then describe it.",
      "",
      "Examples:",
      "  serve4j deploy --uri 'aws://eu-west-1?role=arn:aws:iam::123456789012:role/SageMakerRole"
          + "&bucket=my-bucket' \\",
      "      --endpoint fraud --artifact s3://my-bucket/models/fraud.onnx \\",
      "      --accelerator nvidia-t4 --min-instances 1 --max-instances 4 \\",
      "      --target-metric INVOCATIONS_PER_INSTANCE --target-value 100 \\",
      "      --canary s3://my-bucket/models/fraud-v2.onnx --canary-percent 10",
      "  serve4j deploy --uri 'aws://eu-west-1?role=arn:aws:iam::123456789012:role/SageMakerRole"
          + "&bucket=my-bucket' \\",
      "      --endpoint fraud-sl --artifact s3://my-bucket/models/fraud.onnx \\",
      "      --serverless-memory 2048 --max-concurrency 20",
      "  serve4j deploy --endpoint mlp --artifact mlp.onnx   (local: loads it, shows its"
          + " signature, and is gone when the command ends)",
      "",
      "An s3:// ONNX file is used where it is (SageMaker reads a Triton repository that S3 copies"
          + " it into, in the staging bucket); a local file is packaged and uploaded there.",
      ""
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
      names = "--deployment",
      paramLabel = "NAME",
      defaultValue = "primary",
      description = "Name of the deployment serving --artifact (default: ${DEFAULT-VALUE}).")
  String deployment;

  @Option(
      names = "--accelerator",
      paramLabel = "SPEC",
      description =
          "Hardware of each instance: cpu, cpu:VCPUS:MEMORY_GIB, or DEVICE[:COUNT] with a device"
              + " type id (nvidia-t4, nvidia-a10g, nvidia-l4, inferentia2, tpu-v5e, ...)."
              + " Default: the provider's smallest CPU machine.")
  String accelerator;

  @Option(
      names = "--instances",
      paramLabel = "N",
      description = "A fixed number of instances (default 1).")
  Integer instances;

  @Option(
      names = "--min-instances",
      paramLabel = "N",
      description = "Autoscaling: fewest instances (with --max-instances and --target-*).")
  Integer minInstances;

  @Option(names = "--max-instances", paramLabel = "N", description = "Autoscaling: most instances.")
  Integer maxInstances;

  @Option(
      names = "--target-metric",
      paramLabel = "METRIC",
      description = "Autoscaling: the tracked metric, ${COMPLETION-CANDIDATES}.")
  ScalingMetric targetMetric;

  @Option(
      names = "--target-value",
      paramLabel = "VALUE",
      description = "Autoscaling: the metric's target value.")
  Double targetValue;

  @Option(
      names = "--serverless-memory",
      paramLabel = "MB",
      description =
          "Serverless inference with this much memory per copy (aws: 1024-6144 in 1024 steps);"
              + " with --max-concurrency.")
  Integer serverlessMemory;

  @Option(
      names = "--max-concurrency",
      paramLabel = "N",
      description = "Serverless: the most requests served at once (aws: 1-200).")
  Integer maxConcurrency;

  @Option(
      names = "--provisioned-concurrency",
      paramLabel = "N",
      description = "Serverless: copies kept warm, at most --max-concurrency (default 0).")
  Integer provisionedConcurrency;

  @Option(
      names = "--canary",
      paramLabel = "URI|FILE",
      description =
          "A second model, deployed beside --artifact as deployment 'canary' with the same"
              + " hardware and scaling, taking --canary-percent of the traffic.")
  String canary;

  @Option(
      names = "--canary-percent",
      paramLabel = "PERCENT",
      defaultValue = "10",
      description = "Traffic to the canary, 1-99 (default: ${DEFAULT-VALUE}).")
  int canaryPercent;

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
    Accelerator hardware = accelerator == null ? null : accelerator(accelerator);
    Scaling scaling = scaling();
    if (canary != null && (canaryPercent < 1 || canaryPercent > 99)) {
      throw usage("--canary-percent must be 1-99, was " + canaryPercent);
    }
    if (canary != null && deployment.equals("canary")) {
      throw usage("--deployment must not be 'canary' with --canary");
    }
    EndpointSpec.Builder endpointSpec =
        EndpointSpec.builder()
            .name(endpoint)
            .deployment(deployment(deployment, artifact, modelName, hardware, scaling));
    if (canary != null) {
      endpointSpec
          .deployment(deployment("canary", canary, null, hardware, scaling))
          .traffic(Map.of(deployment, 100 - canaryPercent, "canary", canaryPercent));
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
      Operation<Endpoint> op = client.deploy(endpointSpec.build());
      op.onProgress(p -> err.println("  " + p.message()));
      err.flush();
      Endpoint e = op.await(timeout);
      EndpointsCommand.print(e.describe(), spec.commandLine().getOut());
    }
    return ExitCodes.OK;
  }

  private DeploymentSpec deployment(
      String name, String artifact, String modelName, Accelerator hardware, Scaling scaling) {
    URI uri = artifactUri(artifact);
    String model =
        modelName != null
            ? modelName
            : Target.modelName(Path.of(uri.getPath() == null ? artifact : uri.getPath()));
    Model.Builder mb = Model.builder().name(model).format(format).artifact(uri);
    if (image != null) {
      mb.image(image);
    }
    DeploymentSpec.Builder d = DeploymentSpec.builder().name(name).model(mb.build());
    if (hardware != null) {
      d.accelerator(hardware);
    }
    if (scaling != null) {
      d.scaling(scaling);
    }
    return d.build();
  }

  /** The scaling the flags ask for, or null for the default; conflicting flags are usage errors. */
  private Scaling scaling() {
    boolean auto =
        minInstances != null || maxInstances != null || targetMetric != null || targetValue != null;
    boolean serverless =
        serverlessMemory != null || maxConcurrency != null || provisionedConcurrency != null;
    int kinds = (instances != null ? 1 : 0) + (auto ? 1 : 0) + (serverless ? 1 : 0);
    if (kinds > 1) {
      throw usage(
          "choose one of --instances, autoscaling (--min-instances, --max-instances,"
              + " --target-metric, --target-value) and serverless (--serverless-memory,"
              + " --max-concurrency, --provisioned-concurrency)");
    }
    if (instances != null) {
      return Scaling.fixed(instances);
    }
    if (auto) {
      if (minInstances == null
          || maxInstances == null
          || targetMetric == null
          || targetValue == null) {
        throw usage(
            "autoscaling needs all of --min-instances, --max-instances, --target-metric and"
                + " --target-value");
      }
      return Scaling.autoscale(minInstances, maxInstances, targetMetric, targetValue);
    }
    if (serverless) {
      if (serverlessMemory == null || maxConcurrency == null) {
        throw usage("serverless needs --serverless-memory and --max-concurrency");
      }
      return Scaling.serverless(
          serverlessMemory,
          maxConcurrency,
          provisionedConcurrency == null ? 0 : provisionedConcurrency);
    }
    return null;
  }

  /** {@code cpu}, {@code cpu:VCPUS:MEMORY}, {@code DEVICE[:COUNT]}. */
  private Accelerator accelerator(String text) {
    String[] p = text.trim().split(":");
    try {
      if (p[0].equalsIgnoreCase("cpu")) {
        if (p.length == 1) {
          return Accelerator.defaultCpu();
        }
        if (p.length == 3) {
          return Accelerator.cpu(Integer.parseInt(p[1]), Integer.parseInt(p[2]));
        }
      } else if (p.length <= 2) {
        return Accelerator.of(
            DeviceType.of(p[0].toLowerCase(Locale.ROOT)),
            p.length == 2 ? Integer.parseInt(p[1]) : 1);
      }
    } catch (NumberFormatException e) {
      // falls through to the usage error
    }
    throw usage(
        "--accelerator "
            + text
            + ": write cpu, cpu:VCPUS:MEMORY_GIB or DEVICE[:COUNT], e.g. nvidia-t4 or"
            + " inferentia2:1");
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
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
