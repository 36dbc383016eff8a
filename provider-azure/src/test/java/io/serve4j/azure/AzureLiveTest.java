package io.serve4j.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.DataType;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceResponse;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.ModelSignature;
import io.serve4j.NotFoundException;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import io.serve4j.TensorSpec;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Against a real Azure ML workspace; run with {@code -Plive-azure} and {@code
 * SERVE4J_AZURE_SUBSCRIPTION}, {@code SERVE4J_AZURE_RESOURCE_GROUP}, {@code
 * SERVE4J_AZURE_WORKSPACE} set. Creates a CPU endpoint with the ReLU model and deletes it (about 15
 * minutes, billed).
 */
@Tag("live")
@EnabledIfEnvironmentVariable(named = "SERVE4J_AZURE_SUBSCRIPTION", matches = ".+")
@EnabledIfEnvironmentVariable(named = "SERVE4J_AZURE_RESOURCE_GROUP", matches = ".+")
@EnabledIfEnvironmentVariable(named = "SERVE4J_AZURE_WORKSPACE", matches = ".+")
class AzureLiveTest {

  @Test
  void live_deployOnnxOnTriton_predict_delete() {
    AzureOptions options =
        AzureOptions.builder()
            .subscriptionId(System.getenv("SERVE4J_AZURE_SUBSCRIPTION"))
            .resourceGroup(System.getenv("SERVE4J_AZURE_RESOURCE_GROUP"))
            .workspace(System.getenv("SERVE4J_AZURE_WORKSPACE"))
            .build();
    Model relu =
        Model.builder()
            .name("serve4j-relu")
            .version("1")
            .format(ModelFormat.ONNX)
            .artifact(URI.create("classpath:io/serve4j/testkit/relu.onnx"))
            .signature(
                new ModelSignature(
                    List.of(TensorSpec.of("x", DataType.FP32, 1, 2)),
                    List.of(TensorSpec.of("y", DataType.FP32, 1, 2))))
            .build();
    String name = "serve4j-live-" + UUID.randomUUID().toString().substring(0, 6);
    try (ServingClient azure =
        Serve4j.builder().options(options).operationTimeout(Duration.ofMinutes(45)).build()) {
      Endpoint e = azure.deploy(EndpointSpec.of(name, relu)).await();
      try {
        InferenceResponse r =
            e.predict(
                io.serve4j.InferenceRequest.of(
                    Tensor.ofFloats("x", new long[] {1, 2}, new float[] {-1f, 2f})));
        assertThat(r.output("y").asFloats()).containsExactly(0f, 2f);
      } finally {
        e.delete().await();
      }
      assertThatThrownBy(e::describe).isInstanceOf(NotFoundException.class);
    }
  }
}
