package io.serve4j.testkit;

import io.serve4j.DataType;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.ModelSignature;
import io.serve4j.Tensor;
import io.serve4j.TensorSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The model the contract suite deploys: ONNX's own {@code test_single_relu_model} (from the ONNX
 * backend test data, MIT licence, see {@code ONNX-TESTDATA-COPYRIGHT} beside it), ReLU over {@code
 * x} FP32 [1,2] to {@code y} FP32 [1,2].
 */
public final class ContractModels {
  /** The classpath resource of the ONNX file. */
  public static final String RELU_RESOURCE = "io/serve4j/testkit/relu.onnx";

  /** The ReLU model's signature. */
  public static final ModelSignature RELU_SIGNATURE =
      new ModelSignature(
          List.of(TensorSpec.of("x", DataType.FP32, 1, 2)),
          List.of(TensorSpec.of("y", DataType.FP32, 1, 2)));

  private ContractModels() {}

  /**
   * The ReLU model with its artifact at a location of the provider's choosing.
   *
   * @param artifact where the provider reads the ONNX file ({@code classpath:}, {@code s3://}...)
   * @return the model, name {@code relu}, version {@code 1}, with its signature declared
   */
  public static Model relu(URI artifact) {
    return Model.builder()
        .name("relu")
        .version("1")
        .format(ModelFormat.ONNX)
        .artifact(artifact)
        .signature(RELU_SIGNATURE)
        .build();
  }

  /**
   * The ReLU model read from the classpath.
   *
   * @return the model with a {@code classpath:} artifact
   */
  public static Model reluOnClasspath() {
    return relu(URI.create("classpath:" + RELU_RESOURCE));
  }

  /**
   * Copies the ReLU ONNX file into a directory.
   *
   * @param dir target directory
   * @return the file
   */
  public static Path copyReluTo(Path dir) {
    try (InputStream in =
        ContractModels.class.getClassLoader().getResourceAsStream(RELU_RESOURCE)) {
      Path out = dir.resolve("relu.onnx");
      Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Returns the bytes of the ReLU ONNX file.
   *
   * @return the model bytes
   */
  public static byte[] reluBytes() {
    try (InputStream in =
        ContractModels.class.getClassLoader().getResourceAsStream(RELU_RESOURCE)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A request for the ReLU model.
   *
   * @param a first element
   * @param b second element
   * @return the request
   */
  public static InferenceRequest reluRequest(float a, float b) {
    return InferenceRequest.of(Tensor.ofFloats("x", new long[] {1, 2}, new float[] {a, b}));
  }

  /**
   * Computes the ReLU answer to a request, for fakes that must answer like the model.
   *
   * @param request a request with input {@code x}
   * @return a response with output {@code y}
   */
  public static InferenceResponse reluAnswer(InferenceRequest request) {
    Tensor x = request.input("x").orElseThrow();
    float[] v = x.asFloats();
    float[] y = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      y[i] = Math.max(0f, v[i]);
    }
    return InferenceResponse.builder().output(Tensor.ofFloats("y", x.shape().toArray(), y)).build();
  }
}
