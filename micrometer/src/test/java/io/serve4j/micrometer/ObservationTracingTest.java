package io.serve4j.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.test.simple.SimpleSpan;
import io.micrometer.tracing.test.simple.SimpleTracer;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.RetryPolicy;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.Fault;
import io.serve4j.testkit.memory.MemoryBackend;
import io.serve4j.testkit.memory.MemoryOptions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One instrumentation, metrics and spans: the listener's observations through Micrometer Tracing's
 * handler become spans, and through Micrometer's meter handler (as Spring Boot registers it) a
 * timer that sits beside the listener's own meters in one Prometheus registry.
 */
class ObservationTracingTest {
  @Test
  void observation_becomesASpanWithTagsAndRetryEvent_andMeterHandlerCoexistsWithTheMeters() {
    SimpleTracer tracer = new SimpleTracer();
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ObservationRegistry observations = ObservationRegistry.create();
    observations
        .observationConfig()
        .observationHandler(new DefaultTracingObservationHandler(tracer))
        .observationHandler(new DefaultMeterObservationHandler(prometheus));
    MemoryBackend backend = new MemoryBackend();
    try (ServingClient client =
        Serve4j.builder()
            .options(
                MemoryOptions.builder()
                    .backend(backend)
                    .predictor((d, r) -> ContractModels.reluAnswer(r))
                    .build())
            .retryPolicy(
                RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(5)).build())
            .listener(new MicrometerServingListener(prometheus, observations))
            .build()) {
      Endpoint e = client.deploy(EndpointSpec.of("relu", ContractModels.reluOnClasspath())).await();
      backend.injectFaults(Fault.of(Fault.Kind.UNAVAILABLE));
      e.predict(ContractModels.reluRequest(1, -1));
    }
    List<SimpleSpan> spans = List.copyOf(tracer.getSpans());
    assertThat(spans)
        .extracting(SimpleSpan::getName)
        .containsExactly("deploy relu", "predict relu");
    SimpleSpan predict = spans.get(1);
    assertThat(predict.getTags())
        .containsEntry("serve4j.provider", "memory")
        .containsEntry("serve4j.operation", "predict")
        .containsEntry("serve4j.endpoint", "relu")
        .containsEntry("outcome", "success")
        .containsEntry("serve4j.retried", "true")
        .containsKey("serve4j.request.id");
    assertThat(predict.getEvents()).extracting(ev -> ev.getValue()).hasSize(1);
    String scrape = prometheus.scrape();
    assertThat(scrape)
        .contains("serve4j_client_call_seconds_count{") // from the observation's meter handler
        .contains("serve4j_call_seconds_count{"); // the listener's own timer
  }
}
