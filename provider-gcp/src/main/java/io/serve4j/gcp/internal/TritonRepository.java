package io.serve4j.gcp.internal;

import io.serve4j.BatchingPolicy;
import io.serve4j.DataType;
import io.serve4j.ErrorCategory;
import io.serve4j.ModelSignature;
import io.serve4j.ServingException;
import io.serve4j.TensorSpec;
import io.serve4j.gcp.GcpProvider;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The Triton model repository serve4j lays out for an ONNX model: {@code NAME/1/model.onnx} and
 * {@code NAME/config.pbtxt} written from the signature, with {@code dynamic_batching} when the
 * deployment has a {@link BatchingPolicy}.
 */
public final class TritonRepository {
  private TritonRepository() {}

  /**
   * Returns the object path of the ONNX file inside the repository.
   *
   * @param modelName the Triton model name
   * @return {@code NAME/1/model.onnx}
   */
  public static String modelPath(String modelName) {
    return modelName + "/1/model.onnx";
  }

  /**
   * Returns the object path of the configuration inside the repository.
   *
   * @param modelName the Triton model name
   * @return {@code NAME/config.pbtxt}
   */
  public static String configPath(String modelName) {
    return modelName + "/config.pbtxt";
  }

  /**
   * Writes {@code config.pbtxt}. Without a signature only the name, backend and batch size are
   * written and Triton completes the rest from the ONNX file. With a batching policy the signature
   * must have a dynamic first dimension on every tensor, which becomes Triton's batch dimension.
   *
   * @param modelName the Triton model name
   * @param signature the signature, or null
   * @param batching the batching policy, or null
   * @return the configuration text
   * @throws io.serve4j.InvalidInputException if batching is asked for a signature that cannot batch
   */
  public static String config(String modelName, ModelSignature signature, BatchingPolicy batching) {
    StringBuilder sb = new StringBuilder();
    sb.append("name: \"").append(modelName).append("\"\n");
    sb.append("backend: \"onnxruntime\"\n");
    boolean batched = batching != null;
    if (batched && signature != null && !signature.isBatchable()) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .providerId(GcpProvider.ID)
          .message(
              "dynamic batching of model '"
                  + modelName
                  + "' needs a dynamic first dimension (-1) on every input and output; signature: "
                  + signature)
          .build();
    }
    sb.append("max_batch_size: ").append(batched ? batching.maxBatchSize() : 0).append('\n');
    if (signature != null) {
      tensors(sb, "input", signature.inputs(), batched);
      tensors(sb, "output", signature.outputs(), batched);
    }
    if (batched && batching.instances() > 1) {
      // Batches run at once (kind left to Triton: KIND_AUTO places them on the GPU if there is
      // one).
      sb.append("instance_group [\n  {\n    count: ")
          .append(batching.instances())
          .append("\n  }\n]\n");
    }
    if (batched) {
      sb.append("dynamic_batching {\n");
      if (!batching.preferredBatchSizes().isEmpty()) {
        sb.append("  preferred_batch_size: [ ")
            .append(
                batching.preferredBatchSizes().stream()
                    .map(String::valueOf)
                    .collect(Collectors.joining(", ")))
            .append(" ]\n");
      }
      sb.append("  max_queue_delay_microseconds: ")
          .append(batching.maxQueueDelay().toNanos() / 1000)
          .append('\n');
      sb.append("  default_queue_policy {\n")
          .append("    max_queue_size: ")
          .append(batching.maxQueueSize())
          .append("\n  }\n");
      sb.append("}\n");
    }
    return sb.toString();
  }

  private static void tensors(
      StringBuilder sb, String kind, List<TensorSpec> specs, boolean batch) {
    sb.append(kind).append(" [\n");
    for (int i = 0; i < specs.size(); i++) {
      TensorSpec s = specs.get(i);
      long[] dims = s.shape().toArray();
      if (batch) {
        dims = Arrays.copyOfRange(dims, 1, dims.length);
      }
      sb.append("  {\n")
          .append("    name: \"")
          .append(s.name())
          .append("\"\n")
          .append("    data_type: ")
          .append(tritonType(s.dataType()))
          .append('\n')
          .append("    dims: [ ")
          .append(
              dims.length == 0
                  ? "1"
                  : Arrays.stream(dims).mapToObj(String::valueOf).collect(Collectors.joining(", ")))
          .append(" ]\n")
          // a per-row scalar: Triton wants dims [1] reshaped to a scalar
          .append(dims.length == 0 ? "    reshape: { shape: [ ] }\n" : "")
          .append("  }")
          .append(i + 1 < specs.size() ? "," : "")
          .append('\n');
    }
    sb.append("]\n");
  }

  /**
   * Returns Triton's name of a data type.
   *
   * @param type the serve4j type
   * @return e.g. {@code TYPE_FP32}; {@code TYPE_STRING} for BYTES
   */
  public static String tritonType(DataType type) {
    String p = type.protocolName().toUpperCase(Locale.ROOT);
    return p.equals("BYTES") ? "TYPE_STRING" : "TYPE_" + p;
  }
}
