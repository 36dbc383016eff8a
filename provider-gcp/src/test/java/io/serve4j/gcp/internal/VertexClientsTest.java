package io.serve4j.gcp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.gax.rpc.UnaryCallSettings;
import com.google.cloud.aiplatform.v1.PredictionServiceSettings;
import io.serve4j.gcp.GcpOptions;
import org.junit.jupiter.api.Test;

class VertexClientsTest {
  @Test
  void predictAndRawPredict_makeOneAttemptWithNoRetryableCodes() {
    PredictionServiceSettings.Builder s =
        VertexClients.predictionSettings(GcpOptions.builder().project("p").build());
    for (UnaryCallSettings.Builder<?, ?> call :
        java.util.List.of(s.predictSettings(), s.rawPredictSettings())) {
      assertThat(call.getRetryableCodes()).isEmpty();
      assertThat(call.getRetrySettings().getMaxAttempts()).isEqualTo(1);
    }
  }
}
