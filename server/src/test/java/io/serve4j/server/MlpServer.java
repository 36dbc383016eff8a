package io.serve4j.server;

import io.serve4j.BatchingPolicy;
import io.serve4j.DeploymentSpec;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

/** The MLP test model on the local ONNX runtime, deployed once per test class. */
final class MlpServer implements AutoCloseable {
  final ServingClient client;
  final Endpoint endpoint;

  private static final java.util.concurrent.atomic.AtomicInteger N =
      new java.util.concurrent.atomic.AtomicInteger();

  MlpServer() {
    client = Serve4j.client("local");
    String name = "mlp-" + N.incrementAndGet();
    client.deploy(EndpointSpec.of(name, Model.onnx("mlp", modelFile()))).await();
    endpoint = client.endpoint(name);
  }

  /**
   * Deploys the MLP with dynamic batching (up to 16 rows) as endpoint {@code batched}, deployment
   * {@code main}, and waits.
   *
   * @param local a client of the local runtime
   * @param maxQueueDelay how long a batch waits for more rows
   * @return the endpoint
   */
  static Endpoint deployBatched(ServingClient local, Duration maxQueueDelay) {
    return local
        .deploy(
            EndpointSpec.builder()
                .name("batched")
                .deployment(
                    DeploymentSpec.builder()
                        .name("main")
                        .model(Model.onnx("mlp", modelFile()))
                        .batching(BatchingPolicy.of(16, maxQueueDelay))
                        .build())
                .build())
        .await();
  }

  static Path modelFile() {
    try (InputStream in = MlpServer.class.getResourceAsStream("/models/mlp.onnx")) {
      Path f = Files.createTempFile("serve4j-server-mlp", ".onnx");
      f.toFile().deleteOnExit();
      Files.copy(in, f, StandardCopyOption.REPLACE_EXISTING);
      return f;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
