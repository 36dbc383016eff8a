package io.serve4j.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.cloud.aiplatform.v1.StreamRawPredictRequest;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceResponse;
import io.serve4j.ResponseStream;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractModels;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A tensor request streamed over StreamRawPredict: sent as OIP JSON, each message decoded. */
class GcpStreamingOipTest {
  @Test
  void stream_tensorRequest_sendsOipJsonAndDecodesEachMessageAsAnOipResponse() {
    try (FakeVertex vertex = new FakeVertex(Duration.ofMillis(20), 1, ContractModels::reluAnswer);
        ServingClient client =
            Serve4j.builder()
                .options(
                    GcpOptions.builder()
                        .project("test-project")
                        .location("us-central1")
                        .credentialsProvider(NoCredentialsProvider.create())
                        .transportChannelProvider(vertex.channelProvider())
                        .storage(LocalStorageHelper.getOptions().getService())
                        .stagingBucket("staging")
                        .tritonImage(FakeVertex.TRITON_IMAGE)
                        .pollInterval(Duration.ofMillis(10))
                        .build())
                .build()) {
      client.deploy(EndpointSpec.of("oip-stream", ContractModels.reluOnClasspath())).await();
      vertex.streams.script(
          "oip-stream",
          List.of(
              "{\"model_name\":\"relu\",\"outputs\":[{\"name\":\"y\",\"datatype\":\"FP32\","
                  + "\"shape\":[1,2],\"data\":[1.0,0.0]}]}",
              "{\"model_name\":\"relu\",\"outputs\":[{\"name\":\"y\",\"datatype\":\"FP32\","
                  + "\"shape\":[1,2],\"data\":[2.0,0.0]}]}"),
          Duration.ofMillis(10),
          -1);
      List<float[]> ys = new ArrayList<>();
      try (ResponseStream chunks =
          client.endpoint("oip-stream").stream(
              ContractModels.reluRequest(1f, -1f).toBuilder().id("req-7").build())) {
        for (InferenceResponse chunk : chunks) {
          assertThat(chunk.id()).contains("req-7");
          ys.add(chunk.output("y").asFloats());
        }
      }
      assertThat(ys).containsExactly(new float[] {1f, 0f}, new float[] {2f, 0f});
      StreamRawPredictRequest sent =
          vertex.predictionService.requests(StreamRawPredictRequest.class).get(0);
      assertThat(sent.getHttpBody().getContentType()).isEqualTo("application/json");
      assertThat(sent.getHttpBody().getData().toString(StandardCharsets.UTF_8))
          .contains("\"inputs\"")
          .contains("\"name\":\"x\"");
    }
  }
}
