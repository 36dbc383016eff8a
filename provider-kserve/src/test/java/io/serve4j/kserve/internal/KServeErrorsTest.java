package io.serve4j.kserve.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import java.io.IOException;
import java.net.http.HttpHeaders;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The mapping table of {@link KServeErrors}. */
class KServeErrorsTest {
  private static KubernetesClientException api(int code, String reason, String message) {
    return new KubernetesClientException(
        new StatusBuilder().withCode(code).withReason(reason).withMessage(message).build());
  }

  @Test
  void apiServerStatuses_mapThroughCoresTable() {
    Map<Integer, ErrorCategory> table =
        Map.of(
            409, ErrorCategory.CONFLICT,
            404, ErrorCategory.NOT_FOUND,
            403, ErrorCategory.PERMISSION_DENIED,
            401, ErrorCategory.UNAUTHENTICATED,
            422, ErrorCategory.INVALID_INPUT,
            429, ErrorCategory.THROTTLED,
            500, ErrorCategory.UNAVAILABLE);
    table.forEach(
        (code, category) -> {
          ServingException e = KServeErrors.map("create InferenceService x", api(code, "R", "m"));
          assertThat(e.category()).as("HTTP %d", code).isEqualTo(category);
          assertThat(e.statusCode()).hasValue(code);
          assertThat(e.origin()).isEqualTo(ServingException.Origin.SERVICE);
          assertThat(e.getCause()).isInstanceOf(KubernetesClientException.class);
        });
  }

  @Test
  void unreachableApiServer_isUnavailableClientSide() {
    ServingException e =
        KServeErrors.map(
            "list InferenceServices",
            new KubernetesClientException("Operation failed", new IOException("refused")));
    assertThat(e.category()).isEqualTo(ErrorCategory.UNAVAILABLE);
    assertThat(e.origin()).isEqualTo(ServingException.Origin.CLIENT);
    assertThat(e.retryable()).isTrue();
  }

  @Test
  void httpTimeout_isTimeout_andIo_isUnavailable() {
    assertThat(KServeErrors.map("predict", new HttpTimeoutException("t")).category())
        .isEqualTo(ErrorCategory.TIMEOUT);
    assertThat(KServeErrors.map("predict", new IOException("reset")).category())
        .isEqualTo(ErrorCategory.UNAVAILABLE);
  }

  @Test
  void oipError_readsTheErrorBody_requestId_andRetryAfter() {
    HttpHeaders h =
        HttpHeaders.of(
            Map.of("Retry-After", List.of("3"), "x-request-id", List.of("req-1")), (a, b) -> true);
    ServingException e =
        KServeErrors.oip(
            "predict on endpoint 'x'",
            429,
            h,
            "{\"error\":\"queue full\"}".getBytes(StandardCharsets.UTF_8));
    assertThat(e.category()).isEqualTo(ErrorCategory.THROTTLED);
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(3));
    assertThat(e.requestId()).contains("req-1");
    assertThat(e.getMessage()).contains("queue full");
  }

  @Test
  void oipError_secretsInTheBodyAreRedacted() {
    HttpHeaders h = HttpHeaders.of(Map.of(), (a, b) -> true);
    ServingException e =
        KServeErrors.oip(
            "predict",
            400,
            h,
            "{\"error\":\"bad header Authorization: Bearer abc.def.ghi\"}"
                .getBytes(StandardCharsets.UTF_8));
    assertThat(e.getMessage()).doesNotContain("abc.def.ghi");
  }
}
