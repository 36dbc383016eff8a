package io.serve4j.batch;

import io.serve4j.DataType;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceResponse;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.ModelSignature;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import io.serve4j.TensorSpec;
import io.serve4j.testkit.memory.MemoryBackend;
import io.serve4j.testkit.memory.MemoryOptions;
import io.serve4j.testkit.memory.Predictor;
import java.util.List;

/** Memory-provider endpoints for the scorer's tests. */
final class MemoryModels {
  /** x FP32[-1,4] -> y FP32[-1,2]: per row, the sum and the max of x. */
  static final ModelSignature SUM_MAX =
      new ModelSignature(
          List.of(TensorSpec.of("x", DataType.FP32, -1, 4)),
          List.of(TensorSpec.of("y", DataType.FP32, -1, 2)));

  private MemoryModels() {}

  /** The sum/max predictor, with a delay per request. */
  static Predictor sumMax(long delayMillis) {
    return (deployment, request) -> {
      if (delayMillis > 0) {
        try {
          Thread.sleep(delayMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      Tensor x = request.input("x").orElseThrow();
      int rows = (int) x.shape().dim(0);
      float[] v = x.asFloats();
      float[] y = new float[rows * 2];
      for (int r = 0; r < rows; r++) {
        float sum = 0;
        float max = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < 4; c++) {
          sum += v[r * 4 + c];
          max = Math.max(max, v[r * 4 + c]);
        }
        y[r * 2] = sum;
        y[r * 2 + 1] = max;
      }
      return InferenceResponse.builder()
          .output(Tensor.ofFloats("y", new long[] {rows, 2}, y))
          .build();
    };
  }

  static ServingClient client(Predictor predictor, MemoryBackend backend) {
    // No client-level retries: the tests drive the scorer's own (job-level) retry policy.
    return io.serve4j.Serve4j.builder()
        .options(MemoryOptions.builder().predictor(predictor).backend(backend).build())
        .retryPolicy(io.serve4j.RetryPolicy.none())
        .build();
  }

  static Model model(String name, ModelSignature signature) {
    return Model.builder()
        .name(name)
        .format(ModelFormat.ONNX)
        .artifact("file:/models/" + name + ".onnx")
        .signature(signature)
        .build();
  }

  /** Deploys the model and returns the endpoint name. */
  static String deploy(ServingClient client, String name, ModelSignature signature) {
    client.deploy(EndpointSpec.of(name, model(name, signature))).await();
    return name;
  }
}
