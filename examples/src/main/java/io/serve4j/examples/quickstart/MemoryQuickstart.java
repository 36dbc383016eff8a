package io.serve4j.examples.quickstart;

import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import io.serve4j.testkit.memory.MemoryOptions;

/**
 * The README's first usage example: the in-memory provider, which computes predictions with a
 * function, as used in unit tests of code that depends on serve4j.
 */
public final class MemoryQuickstart {
  private MemoryQuickstart() {}

  /**
   * Deploys a "doubling" model in memory and predicts once.
   *
   * @return the doubled values
   */
  public static float[] run() {
    MemoryOptions options =
        MemoryOptions.builder()
            .predictor(
                (deployment, request) -> {
                  float[] x = request.input("x").orElseThrow().asFloats();
                  float[] y = new float[x.length];
                  for (int i = 0; i < x.length; i++) {
                    y[i] = 2 * x[i];
                  }
                  return InferenceResponse.builder()
                      .output(Tensor.ofFloats("y", new long[] {1, y.length}, y))
                      .build();
                })
            .build();
    try (ServingClient client = Serve4j.client(options)) {
      Model model = Model.builder().name("doubler").artifact("file:/models/doubler.onnx").build();
      Endpoint endpoint = client.deploy(EndpointSpec.of("doubler", model)).await();
      InferenceResponse response =
          endpoint.predict(
              InferenceRequest.of(Tensor.ofFloats("x", new long[] {1, 3}, new float[] {1, 2, 3})));
      return response.output("y").asFloats();
    }
  }
}
