package io.serve4j.azure.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.management.exception.ManagementException;
import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import io.serve4j.ThrottledException;
import io.serve4j.spi.StatusCategories;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

class AzureErrorsTest {

  @ParameterizedTest(name = "{0} {1} on {2} -> {3}")
  @CsvSource(
      nullValues = "-",
      value = {
        "400, BadArgument,              CONTROL, INVALID_INPUT",
        "400, ValidationError,          CONTROL, INVALID_INPUT",
        "413, -,                        SCORING, INVALID_INPUT",
        "401, AuthenticationFailed,     CONTROL, UNAUTHENTICATED",
        "401, -,                        SCORING, UNAUTHENTICATED",
        "403, AuthorizationFailed,      CONTROL, PERMISSION_DENIED",
        "404, ResourceNotFound,         CONTROL, NOT_FOUND",
        "404, -,                        SCORING, NOT_FOUND",
        "408, -,                        SCORING, TIMEOUT",
        "409, Conflict,                 CONTROL, CONFLICT",
        "412, -,                        CONTROL, CONFLICT",
        "424, -,                        SCORING, MODEL_ERROR",
        "429, TooManyRequests,          CONTROL, THROTTLED",
        "429, -,                        SCORING, THROTTLED",
        "500, InternalServerError,      CONTROL, UNAVAILABLE",
        "502, -,                        SCORING, MODEL_ERROR",
        "502, -,                        CONTROL, UNAVAILABLE",
        "503, ServiceUnavailable,       CONTROL, UNAVAILABLE",
        "504, -,                        SCORING, TIMEOUT",
        "504, GatewayTimeout,           CONTROL, TIMEOUT",
        "410, -,                        CONTROL, NOT_FOUND",
        "501, -,                        CONTROL, UNSUPPORTED_CAPABILITY",
        "400, QuotaExceeded,            CONTROL, QUOTA_EXCEEDED",
        "409, InsufficientQuota,        CONTROL, QUOTA_EXCEEDED",
        "403, OutOfQuota,               CONTROL, QUOTA_EXCEEDED",
        "418, -,                        CONTROL, INVALID_INPUT",
        "599, -,                        CONTROL, UNAVAILABLE",
      })
  void category_followsTheTable(
      int status, String code, AzureErrors.Plane plane, ErrorCategory expected) {
    assertThat(AzureErrors.category(status, code, List.of(), plane)).isEqualTo(expected);
  }

  @Test
  void everyStatus_meansWhatCoresTableSays_exceptAScoring502() {
    for (int status = 100; status < 600; status++) {
      assertThat(AzureErrors.category(status, null, List.of(), AzureErrors.Plane.CONTROL))
          .isEqualTo(StatusCategories.ofHttp(status));
      assertThat(AzureErrors.category(status, null, List.of(), AzureErrors.Plane.SCORING))
          .isEqualTo(status == 502 ? ErrorCategory.MODEL_ERROR : StatusCategories.ofHttp(status));
    }
  }

  @Test
  void map_armFailureDuringAPrediction_usesTheControlPlaneTable() {
    HttpResponse r = response(502, "", new HttpHeaders());
    ServingException e =
        AzureErrors.map(
            new ManagementException("GET endpoint -> HTTP 502", r, null),
            AzureErrors.Plane.SCORING,
            "predict");
    assertThat(e.category()).isEqualTo(ErrorCategory.UNAVAILABLE);
  }

  @Test
  void logOptions_neverLogBodies_whichHoldEndpointKeys() {
    var requested =
        new com.azure.core.http.policy.HttpLogOptions()
            .setLogLevel(com.azure.core.http.policy.HttpLogDetailLevel.BODY_AND_HEADERS);
    var used = Workspace.logOptions(requested);
    assertThat(used.getLogLevel().shouldLogBody()).isFalse();
    assertThat(used.getLogLevel().shouldLogHeaders()).isTrue();
    assertThat(used.getAllowedHeaderNames()).doesNotContain("Authorization");
  }

  @Test
  void category_whenADetailNamesQuota_isQuotaExceeded() {
    assertThat(
            AzureErrors.category(
                400, "BadRequest", List.of("VmSizeQuotaExceeded"), AzureErrors.Plane.CONTROL))
        .isEqualTo(ErrorCategory.QUOTA_EXCEEDED);
  }

  @Test
  void map_armError_keepsCodeMessageDetailsStatusRequestIdAndCause() {
    String body =
        "{\"error\":{\"code\":\"BadArgument\",\"message\":\"instanceType is invalid\","
            + "\"details\":[{\"code\":\"InvalidSku\",\"message\":\"Standard_X is unknown\"}]}}";
    HttpResponse r =
        response(400, body, new HttpHeaders().set(HttpHeaderName.X_MS_REQUEST_ID, "req-123"));
    ManagementException armFailure =
        new ManagementException("PUT ... -> HTTP 400", r, Rest.armError(bytes(body)));

    ServingException e =
        AzureErrors.map(
            new CompletionException(armFailure), AzureErrors.Plane.CONTROL, "create deployment");

    assertThat(e.category()).isEqualTo(ErrorCategory.INVALID_INPUT);
    assertThat(e.origin()).isEqualTo(ServingException.Origin.SERVICE);
    assertThat(e.statusCode()).hasValue(400);
    assertThat(e.requestId()).contains("req-123");
    assertThat(e.providerId()).contains("azure");
    assertThat(e.getCause()).isSameAs(armFailure);
    assertThat(e.getMessage())
        .contains("create deployment")
        .contains("BadArgument")
        .contains("instanceType is invalid")
        .contains("InvalidSku: Standard_X is unknown");
  }

  @Test
  void map_throttled_readsRetryAfterSecondsAndIsRetryable() {
    HttpResponse r = response(429, "", new HttpHeaders().set(HttpHeaderName.RETRY_AFTER, "7"));
    ServingException e =
        AzureErrors.map(
            new HttpResponseException("HTTP 429", r), AzureErrors.Plane.SCORING, "predict");
    assertThat(e).isInstanceOf(ThrottledException.class);
    assertThat(e.retryable()).isTrue();
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(7));
  }

  @Test
  void map_throttled_prefersRetryAfterMs() {
    HttpResponse r =
        response(
            429,
            "",
            new HttpHeaders()
                .set(HttpHeaderName.fromString("retry-after-ms"), "250")
                .set(HttpHeaderName.RETRY_AFTER, "7"));
    ServingException e =
        AzureErrors.map(new HttpResponseException("x", r), AzureErrors.Plane.CONTROL, "get");
    assertThat(e.retryAfter()).contains(Duration.ofMillis(250));
  }

  @Test
  void map_scoringBody_isQuotedInTheMessage() {
    HttpResponse r = response(424, "score.py raised ValueError", new HttpHeaders());
    ServingException e =
        AzureErrors.map(
            new HttpResponseException("POST /score -> HTTP 424", r, "score.py raised ValueError"),
            AzureErrors.Plane.SCORING,
            "predict on endpoint 'e'");
    assertThat(e.category()).isEqualTo(ErrorCategory.MODEL_ERROR);
    assertThat(e.getMessage()).contains("score.py raised ValueError");
  }

  @Test
  void map_transportAndCredentialFailures_areClientSide() {
    ServingException unreachable =
        AzureErrors.map(
            new IOException(new ConnectException("refused")), AzureErrors.Plane.CONTROL, "list");
    assertThat(unreachable.category()).isEqualTo(ErrorCategory.UNAVAILABLE);
    assertThat(unreachable.origin()).isEqualTo(ServingException.Origin.CLIENT);

    ServingException noCredential =
        AzureErrors.map(
            new ClientAuthenticationException("no credential in the chain", null),
            AzureErrors.Plane.CONTROL,
            "list");
    assertThat(noCredential.category()).isEqualTo(ErrorCategory.UNAUTHENTICATED);
    assertThat(noCredential.origin()).isEqualTo(ServingException.Origin.CLIENT);
  }

  @Test
  void map_servingException_passesThroughUnchanged() {
    ServingException original = ServingException.builder(ErrorCategory.CONFLICT).build();
    assertThat(AzureErrors.map(original, AzureErrors.Plane.CONTROL, "x")).isSameAs(original);
  }

  @Test
  void operationFailed_mapsQuotaCanceledAndDefault() {
    assertThat(
            AzureErrors.operationFailed(
                    "deploy",
                    "Failed",
                    Rest.armError(bytes("{\"code\":\"QuotaExceeded\"}")),
                    ErrorCategory.MODEL_LOAD)
                .category())
        .isEqualTo(ErrorCategory.QUOTA_EXCEEDED);
    assertThat(
            AzureErrors.operationFailed("deploy", "Canceled", null, ErrorCategory.MODEL_LOAD)
                .category())
        .isEqualTo(ErrorCategory.CONFLICT);
    ServingException failed =
        AzureErrors.operationFailed(
            "deploy",
            "Failed",
            Rest.armError(bytes("{\"code\":\"ResourceOperationFailure\",\"message\":\"crash\"}")),
            ErrorCategory.MODEL_LOAD);
    assertThat(failed.category()).isEqualTo(ErrorCategory.MODEL_LOAD);
    assertThat(failed.getMessage()).contains("ResourceOperationFailure").contains("crash");
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A plain azure-core response value for the mapper, as a pipeline would hand it over. */
  private static HttpResponse response(int status, String body, HttpHeaders headers) {
    HttpRequest request = new HttpRequest(HttpMethod.GET, "https://management.azure.com/x");
    return new HttpResponse(request) {
      @Override
      public int getStatusCode() {
        return status;
      }

      @Override
      @Deprecated
      public String getHeaderValue(String name) {
        return headers.getValue(HttpHeaderName.fromString(name));
      }

      @Override
      public HttpHeaders getHeaders() {
        return headers;
      }

      @Override
      public Flux<ByteBuffer> getBody() {
        return Flux.just(ByteBuffer.wrap(bytes(body)));
      }

      @Override
      public Mono<byte[]> getBodyAsByteArray() {
        return Mono.just(bytes(body));
      }

      @Override
      public Mono<String> getBodyAsString() {
        return Mono.just(body);
      }

      @Override
      public Mono<String> getBodyAsString(Charset charset) {
        return Mono.just(body);
      }
    };
  }
}
