package io.serve4j.spi.formats;

import io.serve4j.BatchingPolicy;
import io.serve4j.DataType;
import io.serve4j.DeviceKind;
import io.serve4j.ErrorCategory;
import io.serve4j.ModelSignature;
import io.serve4j.ServingException;
import io.serve4j.TensorSpec;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Triton Inference Server model repository serve4j lays out for an ONNX model, and the text of
 * its {@code config.pbtxt}:
 *
 * <pre>{@code
 * NAME/config.pbtxt
 * NAME/1/model.onnx
 * }</pre>
 *
 * <p>The configuration follows Triton's model configuration ({@code model_config.proto},
 * docs/user_guide/model_configuration.md):
 *
 * <ul>
 *   <li>{@code backend: "onnxruntime"} (the ONNX Runtime backend's documented name; the older
 *       {@code platform: "onnxruntime_onnx"} means the same);
 *   <li>without a {@link BatchingPolicy}, {@code max_batch_size: 0} and {@code dims} are the full
 *       shape; with one, {@code max_batch_size} is its largest batch, the first (batch) dimension
 *       is left out of {@code dims}, and every tensor of the signature must have a dynamic first
 *       dimension;
 *   <li>a dynamic dimension is {@code -1}; a tensor with no dimension left (a scalar, or a {@code
 *       [batch]} vector under batching) is {@code dims: [ 1 ]} with {@code reshape: { shape: [ ]
 *       }};
 *   <li>data types are {@code TYPE_BOOL} ... {@code TYPE_FP64}, and {@code TYPE_STRING} for {@link
 *       DataType#BYTES};
 *   <li>{@code instance_group} is written when more than one instance runs or the device kind is
 *       known ({@code KIND_CPU} / {@code KIND_GPU}); otherwise Triton's default ({@code KIND_AUTO},
 *       one instance) applies;
 *   <li>{@code dynamic_batching} carries the preferred sizes, the queue delay in microseconds and
 *       the queue size ({@code default_queue_policy.max_queue_size}).
 * </ul>
 *
 * <p>Without a signature only the name, backend and batch size are written, and Triton completes
 * the tensors from the ONNX file.
 *
 * <pre>{@code
 * String pbtxt = TritonRepository.config("minilm", signature, batching, DeviceKind.GPU);
 * upload(TritonRepository.configPath("minilm"), pbtxt);
 * upload(TritonRepository.modelPath("minilm"), onnxBytes);
 * }</pre>
 */
public final class TritonRepository {
  /** The name of the configuration file in a model directory. */
  public static final String CONFIG_FILE = "config.pbtxt";

  /** The one model version serve4j writes. */
  public static final String VERSION = "1";

  /** The file name Triton's ONNX Runtime backend loads by default. */
  public static final String MODEL_FILE = "model.onnx";

  private TritonRepository() {}

  /**
   * Returns the path of the configuration inside the repository.
   *
   * @param modelName the Triton model name
   * @return {@code NAME/config.pbtxt}
   * @throws io.serve4j.InvalidInputException if the name cannot be a directory name
   */
  public static String configPath(String modelName) {
    return checkName(modelName) + "/" + CONFIG_FILE;
  }

  /**
   * Returns the path of the version directory inside the repository, with a trailing slash.
   *
   * @param modelName the Triton model name
   * @return {@code NAME/1/}
   * @throws io.serve4j.InvalidInputException if the name cannot be a directory name
   */
  public static String versionPath(String modelName) {
    return checkName(modelName) + "/" + VERSION + "/";
  }

  /**
   * Returns the path of the ONNX file inside the repository.
   *
   * @param modelName the Triton model name
   * @return {@code NAME/1/model.onnx}
   * @throws io.serve4j.InvalidInputException if the name cannot be a directory name
   */
  public static String modelPath(String modelName) {
    return versionPath(modelName) + MODEL_FILE;
  }

  /**
   * Writes {@code config.pbtxt} for an ONNX model.
   *
   * @param modelName the Triton model name, also the directory name
   * @param signature the signature, or null to let Triton read the tensors from the ONNX file
   * @param batching server-side dynamic batching, or null for none
   * @param instanceKind the kind of device instances run on, or null (or a kind Triton has no
   *     instance kind for) to leave the choice to Triton
   * @return the configuration text
   * @throws io.serve4j.InvalidInputException if the name cannot be a directory name, or batching is
   *     asked for a signature without a dynamic first dimension on every tensor
   */
  public static String config(
      String modelName,
      ModelSignature signature,
      BatchingPolicy batching,
      DeviceKind instanceKind) {
    checkName(modelName);
    boolean batched = batching != null;
    if (batched && signature != null && !signature.isBatchable()) {
      throw invalid(
          "dynamic batching of model '"
              + modelName
              + "' needs a dynamic first dimension (-1) on every input and output; signature: "
              + signature);
    }
    StringBuilder s = new StringBuilder(256);
    s.append("name: ").append(quote(modelName)).append('\n');
    s.append("backend: \"onnxruntime\"\n");
    s.append("max_batch_size: ").append(batched ? batching.maxBatchSize() : 0).append('\n');
    if (signature != null) {
      tensors(s, "input", signature.inputs(), batched);
      tensors(s, "output", signature.outputs(), batched);
    }
    int instances = batched ? batching.instances() : 1;
    String kind = instanceKind(instanceKind);
    if (instances > 1 || kind != null) {
      s.append("instance_group [\n  {\n    count: ").append(instances).append('\n');
      if (kind != null) {
        s.append("    kind: ").append(kind).append('\n');
      }
      s.append("  }\n]\n");
    }
    if (batched) {
      s.append("dynamic_batching {\n");
      List<Integer> preferred = batching.preferredBatchSizes();
      if (!preferred.isEmpty()) {
        s.append("  preferred_batch_size: [ ");
        for (int i = 0; i < preferred.size(); i++) {
          s.append(i > 0 ? ", " : "").append(preferred.get(i));
        }
        s.append(" ]\n");
      }
      s.append("  max_queue_delay_microseconds: ")
          .append(TimeUnit.MICROSECONDS.convert(batching.maxQueueDelay()))
          .append('\n');
      s.append("  default_queue_policy {\n    max_queue_size: ")
          .append(batching.maxQueueSize())
          .append("\n  }\n}\n");
    }
    return s.toString();
  }

  /**
   * Returns Triton's name of a data type.
   *
   * @param type the serve4j type
   * @return e.g. {@code TYPE_FP32}; {@code TYPE_STRING} for {@link DataType#BYTES}
   */
  public static String dataType(DataType type) {
    return type == DataType.BYTES ? "TYPE_STRING" : "TYPE_" + type.protocolName();
  }

  private static void tensors(
      StringBuilder s, String kind, List<TensorSpec> specs, boolean dropBatchDim) {
    if (specs.isEmpty()) {
      return;
    }
    s.append(kind).append(" [\n");
    for (int i = 0; i < specs.size(); i++) {
      TensorSpec t = specs.get(i);
      long[] dims = t.shape().toArray();
      int from = dropBatchDim ? 1 : 0;
      s.append("  {\n    name: ")
          .append(quote(t.name()))
          .append("\n    data_type: ")
          .append(dataType(t.dataType()))
          .append("\n    dims: [ ");
      if (dims.length <= from) {
        // Nothing left but the batch dimension: Triton wants [ 1 ] reshaped to a scalar.
        s.append("1 ]\n    reshape: { shape: [ ] }\n");
      } else {
        for (int k = from; k < dims.length; k++) {
          s.append(k > from ? ", " : "").append(dims[k]);
        }
        s.append(" ]\n");
      }
      s.append("  }").append(i + 1 < specs.size() ? ",\n" : "\n");
    }
    s.append("]\n");
  }

  private static String instanceKind(DeviceKind kind) {
    if (kind == null) {
      return null;
    }
    return switch (kind) {
      case CPU -> "KIND_CPU";
      case GPU -> "KIND_GPU";
      default -> null;
    };
  }

  /** A protobuf text-format string literal. */
  static String quote(String value) {
    StringBuilder q = new StringBuilder(value.length() + 2).append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> q.append("\\\"");
        case '\\' -> q.append("\\\\");
        case '\n' -> q.append("\\n");
        case '\r' -> q.append("\\r");
        case '\t' -> q.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            q.append(String.format("\\%03o", (int) c));
          } else {
            q.append(c);
          }
        }
      }
    }
    return q.append('"').toString();
  }

  private static String checkName(String modelName) {
    if (modelName == null
        || modelName.isEmpty()
        || modelName.equals(".")
        || modelName.equals("..")
        || modelName.indexOf('/') >= 0
        || modelName.indexOf('\\') >= 0) {
      throw invalid("'" + modelName + "' cannot name a directory of a Triton model repository");
    }
    return modelName;
  }

  private static ServingException invalid(String message) {
    return ServingException.builder(ErrorCategory.INVALID_INPUT).message(message).build();
  }
}
