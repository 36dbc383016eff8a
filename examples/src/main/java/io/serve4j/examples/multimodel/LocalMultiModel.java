package io.serve4j.examples.multimodel;

import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import io.serve4j.local.LocalOptions;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The README's multi-model example: one local endpoint in front of a directory of ONNX models, each
 * loaded on its first request and unloaded (least recently used first) when the loaded ones would
 * exceed a memory budget. On SageMaker the same {@code Model} has an {@code s3://} prefix as its
 * artifact.
 */
public final class LocalMultiModel {
  private LocalMultiModel() {}

  /**
   * Serves every model of a directory behind one endpoint and asks each one once.
   *
   * @param models a directory of {@code .onnx} files, each taking {@code x} and answering {@code y}
   * @param targets the files to ask, relative to {@code models}
   * @param input the input every model gets
   * @param budgetBytes memory the loaded models may take together
   * @return each target's answer
   */
  public static Map<String, float[]> run(
      Path models, List<String> targets, float[] input, long budgetBytes) {
    LocalOptions options = LocalOptions.builder().multiModelMemoryBudgetBytes(budgetBytes).build();
    try (ServingClient client = Serve4j.client(options)) {
      Model fleet = Model.builder().name("fleet").artifact(models.toUri()).multiModel(true).build();
      Endpoint endpoint = client.deploy(EndpointSpec.of("fleet", fleet)).await();
      Map<String, float[]> answers = new LinkedHashMap<>();
      for (String target : targets) {
        InferenceRequest request =
            InferenceRequest.builder()
                .input(Tensor.ofFloats("x", new long[] {1, input.length}, input))
                .targetModel(target) // a path under the directory; loaded on first use
                .build();
        answers.put(target, endpoint.predict(request).output("y").asFloats());
      }
      return answers;
    }
  }
}
