package io.serve4j.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.RetryPolicy;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.UnavailableException;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.Fault;
import io.serve4j.testkit.memory.MemoryBackend;
import io.serve4j.testkit.memory.MemoryOptions;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Spans and metrics of the listener on the in-memory provider, read with the SDK's exporters. */
class OpenTelemetryServingListenerTest {
  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final InMemoryMetricReader metrics = InMemoryMetricReader.create();
  private final OpenTelemetrySdk otel =
      OpenTelemetrySdk.builder()
          .setTracerProvider(
              SdkTracerProvider.builder()
                  .addSpanProcessor(SimpleSpanProcessor.create(spans))
                  .build())
          .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(metrics).build())
          .build();
  private final MemoryBackend backend = new MemoryBackend();
  private final List<String> spanInProvider = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() {
    otel.close();
  }

  private ServingClient client(RetryPolicy retry) {
    return Serve4j.builder()
        .options(
            MemoryOptions.builder()
                .backend(backend)
                .predictor(
                    (d, r) -> {
                      spanInProvider.add(Span.current().getSpanContext().getSpanId());
                      return ContractModels.reluAnswer(r);
                    })
                .build())
        .retryPolicy(retry)
        .listener(new OpenTelemetryServingListener(otel))
        .build();
  }

  @Test
  void predict_isAClientSpan_childOfTheCallersSpan_withRetryEvent_andCurrentInTheProvider() {
    Span parent = otel.getTracer("test").spanBuilder("request").startSpan();
    try (ServingClient client =
            client(
                RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(5)).build());
        Scope ignored = parent.makeCurrent()) {
      Endpoint e = client.deploy(EndpointSpec.of("relu", ContractModels.reluOnClasspath())).await();
      backend.injectFaults(Fault.of(Fault.Kind.UNAVAILABLE));
      e.predict(ContractModels.reluRequest(1, -2));
    } finally {
      parent.end();
    }
    SpanData predict = span("predict relu");
    assertThat(predict.getKind()).isEqualTo(SpanKind.CLIENT);
    assertThat(predict.getParentSpanId()).isEqualTo(parent.getSpanContext().getSpanId());
    assertThat(predict.getTraceId()).isEqualTo(parent.getSpanContext().getTraceId());
    assertThat(predict.getAttributes().get(OpenTelemetryServingListener.PROVIDER))
        .isEqualTo("memory");
    assertThat(predict.getAttributes().get(OpenTelemetryServingListener.ENDPOINT))
        .isEqualTo("relu");
    assertThat(predict.getAttributes().get(OpenTelemetryServingListener.REQUEST_ID)).isNotBlank();
    assertThat(predict.getAttributes().get(OpenTelemetryServingListener.DEPLOYMENT)).isNotBlank();
    assertThat(predict.getAttributes().get(OpenTelemetryServingListener.RETRIES)).isEqualTo(1L);
    assertThat(predict.getAttributes().get(OpenTelemetryServingListener.CLOUD_PROVIDER)).isNull();
    assertThat(predict.getEvents()).extracting(EventData::getName).containsExactly("serve4j.retry");
    assertThat(predict.getEvents().get(0).getAttributes().get(AttributeKey.stringKey("error.type")))
        .isEqualTo("unavailable");
    // the retried attempt ran on core's scheduler thread, with the predict span current
    assertThat(spanInProvider).containsExactly(predict.getSpanId());
    assertThat(span("deploy relu").getParentSpanId())
        .isEqualTo(parent.getSpanContext().getSpanId());
  }

  @Test
  void failedPredict_setsErrorStatus_errorType_exceptionEvent_andCountsTheError() {
    try (ServingClient client = client(RetryPolicy.none())) {
      Endpoint e = client.deploy(EndpointSpec.of("relu", ContractModels.reluOnClasspath())).await();
      backend.injectFaults(Fault.of(Fault.Kind.UNAVAILABLE));
      assertThatThrownBy(() -> e.predict(ContractModels.reluRequest(1, -2)))
          .isInstanceOf(UnavailableException.class);
    }
    SpanData predict = span("predict relu");
    assertThat(predict.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(predict.getAttributes().get(OpenTelemetryServingListener.ERROR_TYPE))
        .isEqualTo("unavailable");
    assertThat(predict.getEvents()).extracting(EventData::getName).contains("exception");
    MetricData errors = metric("serve4j.errors");
    assertThat(errors.getLongSumData().getPoints())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getValue()).isEqualTo(1);
              assertThat(p.getAttributes().get(OpenTelemetryServingListener.ERROR_TYPE))
                  .isEqualTo("unavailable");
            });
  }

  @Test
  void metrics_callAndOperationDurations_withLowCardinalityAttributes_andActiveBackToZero() {
    try (ServingClient client = client(RetryPolicy.none())) {
      Endpoint e = client.deploy(EndpointSpec.of("relu", ContractModels.reluOnClasspath())).await();
      e.predict(ContractModels.reluRequest(1, -2));
      e.predict(ContractModels.reluRequest(3, -4));
    }
    Collection<HistogramPointData> calls =
        metric("serve4j.call.duration").getHistogramData().getPoints();
    assertThat(calls)
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getCount()).isEqualTo(2);
              assertThat(p.getAttributes().get(OpenTelemetryServingListener.OPERATION))
                  .isEqualTo("predict");
              assertThat(p.getAttributes().get(OpenTelemetryServingListener.RETRIED)).isFalse();
              assertThat(p.getAttributes().get(OpenTelemetryServingListener.ERROR_TYPE)).isNull();
              assertThat(p.getAttributes().get(OpenTelemetryServingListener.REQUEST_ID)).isNull();
            });
    assertThat(metric("serve4j.call.duration").getUnit()).isEqualTo("s");
    assertThat(metric("serve4j.operation.duration").getHistogramData().getPoints())
        .singleElement()
        .satisfies(
            p ->
                assertThat(p.getAttributes().get(OpenTelemetryServingListener.OPERATION))
                    .isEqualTo("deploy"));
    assertThat(metric("serve4j.call.active").getLongSumData().getPoints())
        .allSatisfy(p -> assertThat(p.getValue()).isZero());
  }

  private SpanData span(String name) {
    return spans.getFinishedSpanItems().stream()
        .filter(s -> s.getName().equals(name))
        .findFirst()
        .orElseThrow(
            () -> new AssertionError("no span " + name + " in " + spans.getFinishedSpanItems()));
  }

  private MetricData metric(String name) {
    return metrics.collectAllMetrics().stream()
        .filter(m -> m.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no metric " + name));
  }
}
