package io.serve4j.cli.internal;

import io.serve4j.Endpoint;
import io.serve4j.ServingClient;
import io.serve4j.cli.ClientFactory;
import io.serve4j.cli.ExitCodes;
import io.serve4j.server.OipServer;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code serve4j serve}: an endpoint over the Open Inference Protocol v2 (REST, gRPC). */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Serve a model over the Open Inference Protocol v2 (REST, gRPC).",
      "KServe / Triton clients work with it: REST on --port, gRPC on --grpc-port if given.",
      "Runs until stopped (Ctrl-C, SIGTERM); then drains: requests in flight complete (up to",
      "--drain-timeout), new ones are refused.",
      "",
      "Examples:",
      "  serve4j serve --model mlp.onnx --port 8080 --grpc-port 8081",
      "  curl -s localhost:8080/v2/models/mlp/infer -d '{\"inputs\": [{\"name\": \"x\","
          + " \"datatype\": \"FP32\", \"shape\": [1, 4], \"data\": [1, 2, 3, 4]}]}'",
      "  serve4j serve --uri aws://eu-west-1 --endpoint fraud --port 8080   (a proxy)"
    })
public final class ServeCommand implements Callable<Integer> {
  private final ClientFactory clients;

  @Spec CommandSpec spec;
  @Mixin Target target;
  @Mixin Connection connection;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      defaultValue = "8080",
      description = "REST port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int port;

  @Option(
      names = "--grpc-port",
      paramLabel = "PORT",
      description = "Also serve gRPC (inference.GRPCInferenceService) on this port.")
  Integer grpcPort;

  @Option(
      names = "--host",
      paramLabel = "ADDRESS",
      defaultValue = "127.0.0.1",
      description =
          "Address to bind (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 for all)."
              + " The server has no authentication: put it behind one to expose it.")
  String host;

  @Option(
      names = "--max-request-bytes",
      paramLabel = "BYTES",
      defaultValue = "67108864",
      description = "Largest request body or gRPC message (default: ${DEFAULT-VALUE}).")
  long maxRequestBytes;

  @Option(
      names = "--drain-timeout",
      paramLabel = "SECONDS",
      defaultValue = "30",
      description = "How long a stop waits for requests in flight (default: ${DEFAULT-VALUE}).")
  long drainSeconds;

  ServeCommand(ClientFactory clients) {
    this.clients = clients;
  }

  @Override
  public Integer call() {
    target.validate(spec);
    try (ServingClient client = connection.open(clients, spec)) {
      Endpoint e = target.resolve(client, spec);
      OipServer.Builder b =
          OipServer.builder()
              .endpoint(e.name(), e)
              .host(host)
              .port(port)
              .maxRequestBytes(maxRequestBytes)
              .drainTimeout(Duration.ofSeconds(drainSeconds));
      if (grpcPort != null) {
        b.grpcPort(grpcPort);
      }
      OipServer server = b.start();
      Thread hook = new Thread(server::close, "serve4j-serve-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      PrintWriter out = spec.commandLine().getOut();
      out.println(
          "serving model '"
              + e.name()
              + "' on http://"
              + host
              + ":"
              + server.port()
              + "/v2/models/"
              + e.name()
              + (server.grpcPort().isPresent()
                  ? " and gRPC " + host + ":" + server.grpcPort().getAsInt()
                  : ""));
      out.flush();
      try {
        server.awaitTermination();
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      } finally {
        server.close();
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // the hook is running: it closes the server
        }
      }
    }
    return ExitCodes.OK;
  }
}
