package io.serve4j.server;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import io.serve4j.server.grpc.ModelInferRequest;
import io.serve4j.testkit.memory.MemoryOptions;
import java.util.concurrent.TimeUnit;

/**
 * What the server tests serve and send: an endpoint of the memory provider that answers {@code y =
 * [42]} after a hook has seen the call (on the thread that calls the endpoint), the REST body and
 * the gRPC request of one FP32 input {@code x}, and a plaintext channel to a server's gRPC port.
 */
final class MemoryEndpoint implements AutoCloseable {
  /** A REST infer body: {@code x}, FP32 {@code [1, 1]} = {@code [1]}. */
  static final String BODY =
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,1],\"datatype\":\"FP32\",\"data\":[1]}]}";

  /** Sees each call before the endpoint answers it; may sleep or throw a typed error. */
  @FunctionalInterface
  interface Hook {
    /**
     * Sees one call.
     *
     * @param request the request
     */
    void call(InferenceRequest request);
  }

  private final ServingClient client;
  private final Endpoint endpoint;

  private MemoryEndpoint(ServingClient client, Endpoint endpoint) {
    this.client = client;
    this.endpoint = endpoint;
  }

  /**
   * Deploys an endpoint on a new memory client.
   *
   * @param name the endpoint's and its model's name
   * @param hook sees each call
   * @return the endpoint; closing it closes its client
   */
  static MemoryEndpoint deploy(String name, Hook hook) {
    ServingClient client =
        Serve4j.client(
            MemoryOptions.builder()
                .predictor(
                    (deployment, request) -> {
                      hook.call(request);
                      return InferenceResponse.builder()
                          .output(Tensor.ofFloats("y", new long[] {1}, new float[] {42f}))
                          .build();
                    })
                .build());
    Endpoint endpoint =
        client
            .deploy(
                EndpointSpec.of(name, Model.builder().name(name).artifact("file:/m.onnx").build()))
            .await();
    return new MemoryEndpoint(client, endpoint);
  }

  Endpoint endpoint() {
    return endpoint;
  }

  /** Closes the client. */
  @Override
  public void close() {
    client.close();
  }

  /**
   * Sleeps in a hook (an interrupt ends the sleep and stays set).
   *
   * @param millis how long
   */
  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * A ModelInfer request of one FP32 input {@code x} of zeros, as raw contents.
   *
   * @param model the model name
   * @param shape the shape of {@code x}
   * @return the request
   */
  static ModelInferRequest grpcRequest(String model, long... shape) {
    ModelInferRequest.InferInputTensor.Builder x =
        ModelInferRequest.InferInputTensor.newBuilder().setName("x").setDatatype("FP32");
    long count = 1;
    for (long d : shape) {
      x.addShape(d);
      count *= d;
    }
    return ModelInferRequest.newBuilder()
        .setModelName(model)
        .addInputs(x)
        .addRawInputContents(ByteString.copyFrom(new byte[Math.toIntExact(4 * count)]))
        .build();
  }

  /**
   * A plaintext channel to a server's gRPC port.
   *
   * @param server the server, started with a gRPC port
   * @return the channel; give it to {@link #shutdown}
   */
  static ManagedChannel channel(OipServer server) {
    return NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort().getAsInt())
        .usePlaintext()
        .build();
  }

  /**
   * Shuts a channel down and waits (up to 5 s).
   *
   * @param channel the channel
   * @throws InterruptedException if interrupted while waiting
   */
  static void shutdown(ManagedChannel channel) throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
