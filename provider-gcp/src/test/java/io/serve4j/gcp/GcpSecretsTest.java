package io.serve4j.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import io.serve4j.EndpointSpec;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import io.serve4j.testkit.ContractModels;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** #13 item 8: a Vertex AI error whose text echoes credentials is redacted in the message. */
class GcpSecretsTest {
  @Test
  void predict_whenTheErrorEchoesCredentials_theMessageIsRedacted() {
    try (FakeVertex vertex = new FakeVertex(Duration.ofMillis(50), 3, ContractModels::reluAnswer)) {
      Storage storage = LocalStorageHelper.getOptions().getService();
      GcpOptions options =
          GcpOptions.builder()
              .project("test-project")
              .location("us-central1")
              .credentialsProvider(NoCredentialsProvider.create())
              .transportChannelProvider(vertex.channelProvider())
              .storage(storage)
              .stagingBucket("staging")
              .tritonImage(FakeVertex.TRITON_IMAGE)
              .pollInterval(Duration.ofMillis(20))
              .build();
      try (ServingClient client = Serve4j.client(options)) {
        var relu =
            client
                .deploy(EndpointSpec.of("relu", ContractModels.reluOnClasspath()))
                .await(Duration.ofSeconds(30));
        relu.predict(ContractModels.reluRequest(1, 2));
        vertex.leakyDescription =
            "upstream failed: authorization: Bearer ya29.a0AfH6SMBsecretACCESStoken "
                + "{\"private_key\": \"-----BEGIN PRIVATE KEY-----MIIEvQIBADAN\"} "
                + "https://storage.googleapis.com/b/o?X-Goog-Signature=GOOGSIGSECRET&x=1";
        assertThatThrownBy(() -> relu.predict(ContractModels.reluRequest(1, 2)))
            .isInstanceOfSatisfying(
                ServingException.class,
                e ->
                    assertThat(e.getMessage())
                        .contains("upstream failed")
                        .contains("[REDACTED]")
                        .doesNotContain("ya29.a0AfH6SMBsecretACCESStoken")
                        .doesNotContain("MIIEvQIBADAN")
                        .doesNotContain("GOOGSIGSECRET"));
      }
    }
  }
}
