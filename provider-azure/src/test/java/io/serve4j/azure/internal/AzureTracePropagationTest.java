package io.serve4j.azure.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.azure.ScoringAuthMode;
import io.serve4j.opentelemetry.OpenTelemetryServingListener;
import io.serve4j.testkit.ContractModels;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * One trace from serve4j's predict span down to azure-core's HTTP span: serve4j's OpenTelemetry
 * listener makes the call's span current on the thread that calls the provider, and azure-core's
 * InstrumentationPolicy (in the provider's pipeline, traced by azure-core-tracing-opentelemetry)
 * makes each HTTP exchange a child of it. Real azure-core stack against the local fake.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AzureTracePropagationTest {
  private FakeAzureMl fake;
  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private OpenTelemetrySdk otel;

  @BeforeAll
  void start() {
    fake = new FakeAzureMl(Duration.ofMillis(50));
    otel =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(spans))
                    .build())
            .build();
    // azure-core-tracing-opentelemetry traces with the global OpenTelemetry by default.
    GlobalOpenTelemetry.resetForTest();
    GlobalOpenTelemetry.set(otel);
  }

  @AfterAll
  void stop() {
    GlobalOpenTelemetry.resetForTest();
    otel.close();
    fake.close();
  }

  @Test
  void predict_theScoringHttpSpanIsAChildOfThePredictSpan_inOneTrace() {
    String name = "t-" + UUID.randomUUID().toString().substring(0, 8);
    try (ServingClient client =
        Serve4j.builder()
            .options(
                TestSupport.options(
                        fake.base(),
                        new TestSupport.StaticCredential(),
                        TestSupport.insecureHttpClient())
                    .scoringAuthMode(ScoringAuthMode.KEY)
                    .build())
            .operationTimeout(Duration.ofSeconds(30))
            .listener(new OpenTelemetryServingListener(otel))
            .build()) {
      Endpoint e = client.deploy(EndpointSpec.of(name, ContractModels.reluOnClasspath())).await();
      // The first prediction fetches the scoring key (an ARM call) before it scores: the POST
      // then starts on azure-core's thread, where the provider re-enters the call's scope.
      e.predict(ContractModels.reluRequest(1, -2));
      e.predict(ContractModels.reluRequest(3, -4));
    }
    List<SpanData> predicts =
        spans.getFinishedSpanItems().stream()
            .filter(s -> s.getName().equals("predict " + name))
            .toList();
    assertThat(predicts).hasSize(2);
    for (SpanData predict : predicts) {
      List<SpanData> children =
          spans.getFinishedSpanItems().stream()
              .filter(s -> s.getParentSpanId().equals(predict.getSpanId()))
              .toList();
      assertThat(children)
          .as("HTTP spans under %s: %s", predict.getName(), spans.getFinishedSpanItems())
          .anySatisfy(
              http -> {
                assertThat(http.getTraceId()).isEqualTo(predict.getTraceId());
                assertThat(http.getKind()).isEqualTo(SpanKind.CLIENT);
                assertThat(http.getName()).isEqualTo("POST");
                assertThat(http.getAttributes().asMap().toString())
                    .contains("/online/" + name + "/v2/models/relu/infer");
              });
    }
  }
}
