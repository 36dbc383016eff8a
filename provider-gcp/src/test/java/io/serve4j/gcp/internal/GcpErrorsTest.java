package io.serve4j.gcp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.gax.grpc.GrpcStatusCode;
import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.ApiExceptionFactory;
import com.google.api.gax.rpc.ErrorDetails;
import com.google.api.gax.rpc.StatusCode;
import com.google.cloud.storage.StorageException;
import com.google.protobuf.Any;
import com.google.rpc.QuotaFailure;
import com.google.rpc.RequestInfo;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.serve4j.ErrorCategory;
import io.serve4j.NotFoundException;
import io.serve4j.ServingException;
import io.serve4j.spi.StatusCategories;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GcpErrorsTest {
  static Stream<Arguments> grpcTable() {
    return Stream.of(
        Arguments.of(Status.Code.INVALID_ARGUMENT, "bad field", ErrorCategory.INVALID_INPUT),
        Arguments.of(Status.Code.OUT_OF_RANGE, "", ErrorCategory.INVALID_INPUT),
        Arguments.of(Status.Code.NOT_FOUND, "", ErrorCategory.NOT_FOUND),
        Arguments.of(Status.Code.ALREADY_EXISTS, "", ErrorCategory.CONFLICT),
        Arguments.of(Status.Code.ABORTED, "", ErrorCategory.CONFLICT),
        Arguments.of(Status.Code.FAILED_PRECONDITION, "", ErrorCategory.CONFLICT),
        Arguments.of(Status.Code.PERMISSION_DENIED, "", ErrorCategory.PERMISSION_DENIED),
        Arguments.of(Status.Code.UNAUTHENTICATED, "", ErrorCategory.UNAUTHENTICATED),
        Arguments.of(
            Status.Code.RESOURCE_EXHAUSTED,
            "Quota exceeded for custom_model_serving_nvidia_t4_gpus in region us-central1",
            ErrorCategory.QUOTA_EXCEEDED),
        Arguments.of(
            Status.Code.RESOURCE_EXHAUSTED,
            "Quota exceeded for online prediction requests per minute",
            ErrorCategory.THROTTLED),
        Arguments.of(Status.Code.RESOURCE_EXHAUSTED, "slow down", ErrorCategory.THROTTLED),
        Arguments.of(Status.Code.UNAVAILABLE, "", ErrorCategory.UNAVAILABLE),
        Arguments.of(Status.Code.CANCELLED, "", ErrorCategory.UNAVAILABLE),
        Arguments.of(Status.Code.DEADLINE_EXCEEDED, "", ErrorCategory.TIMEOUT),
        Arguments.of(Status.Code.UNIMPLEMENTED, "", ErrorCategory.UNSUPPORTED_CAPABILITY),
        Arguments.of(Status.Code.INTERNAL, "", ErrorCategory.INTERNAL),
        Arguments.of(Status.Code.UNKNOWN, "", ErrorCategory.INTERNAL),
        Arguments.of(Status.Code.DATA_LOSS, "", ErrorCategory.INTERNAL));
  }

  @ParameterizedTest(name = "{0} ({1}) -> {2}")
  @MethodSource("grpcTable")
  void map_grpcStatus_givesCategoryStatusCauseAndRequestId(
      Status.Code code, String message, ErrorCategory expected) {
    ApiException api = api(code, message, null);
    ServingException e = (ServingException) GcpErrors.map(api, "req-1");
    assertThat(e.category()).isEqualTo(expected);
    assertThat(e.origin()).isEqualTo(ServingException.Origin.SERVICE);
    assertThat(e.getCause()).isSameAs(api);
    assertThat(e.statusCode()).hasValue(code.value());
    assertThat(e.requestId()).contains("req-1");
    assertThat(e.providerId()).contains("gcp");
    assertThat(e.getMessage()).contains(code.name());
    assertThat(e.retryable()).isEqualTo(expected.retryable());
  }

  @Test
  void map_resourceExhaustedWithRetryInfo_isThrottledWithRetryAfter() {
    ErrorDetails details =
        ErrorDetails.builder()
            .setRawErrorMessages(
                List.of(
                    Any.pack(
                        RetryInfo.newBuilder()
                            .setRetryDelay(com.google.protobuf.Duration.newBuilder().setSeconds(3))
                            .build()),
                    Any.pack(
                        QuotaFailure.newBuilder()
                            .addViolations(
                                QuotaFailure.Violation.newBuilder().setDescription("GPU quota"))
                            .build())))
            .build();
    ServingException e =
        (ServingException) GcpErrors.map(api(Status.Code.RESOURCE_EXHAUSTED, "x", details), "r");
    assertThat(e.category()).isEqualTo(ErrorCategory.THROTTLED);
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(3));
  }

  @Test
  void map_quotaFailureDetail_isQuotaExceeded() {
    ErrorDetails details =
        ErrorDetails.builder()
            .setRawErrorMessages(
                List.of(
                    Any.pack(
                        QuotaFailure.newBuilder()
                            .addViolations(
                                QuotaFailure.Violation.newBuilder()
                                    .setDescription("A100 GPUs in europe-west4"))
                            .build())))
            .build();
    ServingException e =
        (ServingException) GcpErrors.map(api(Status.Code.RESOURCE_EXHAUSTED, "x", details), "r");
    assertThat(e.category()).isEqualTo(ErrorCategory.QUOTA_EXCEEDED);
  }

  @Test
  void map_serviceRequestInfo_winsOverOurRequestId() {
    ErrorDetails details =
        ErrorDetails.builder()
            .setRawErrorMessages(
                List.of(Any.pack(RequestInfo.newBuilder().setRequestId("svc-42").build())))
            .build();
    ServingException e =
        (ServingException) GcpErrors.map(api(Status.Code.NOT_FOUND, "x", details), "ours");
    assertThat(e).isInstanceOf(NotFoundException.class);
    assertThat(e.requestId()).contains("svc-42");
  }

  @Test
  void map_unwrapsCompletionException_andPassesServingAndCancellationThrough() {
    ApiException api = api(Status.Code.UNAVAILABLE, "down", null);
    assertThat(((ServingException) GcpErrors.map(new CompletionException(api), "r")).category())
        .isEqualTo(ErrorCategory.UNAVAILABLE);
    ServingException own = ServingException.builder(ErrorCategory.CONFLICT).build();
    assertThat(GcpErrors.map(new CompletionException(own), "r")).isSameAs(own);
    CancellationException ce = new CancellationException();
    assertThat(GcpErrors.map(ce, "r")).isSameAs(ce);
  }

  static Stream<Arguments> httpTable() {
    return Stream.of(
        Arguments.of(400, ErrorCategory.INVALID_INPUT),
        Arguments.of(401, ErrorCategory.UNAUTHENTICATED),
        Arguments.of(403, ErrorCategory.PERMISSION_DENIED),
        Arguments.of(404, ErrorCategory.NOT_FOUND),
        Arguments.of(409, ErrorCategory.CONFLICT),
        Arguments.of(412, ErrorCategory.CONFLICT),
        Arguments.of(429, ErrorCategory.THROTTLED),
        Arguments.of(503, ErrorCategory.UNAVAILABLE),
        Arguments.of(504, ErrorCategory.TIMEOUT),
        Arguments.of(410, ErrorCategory.NOT_FOUND),
        Arguments.of(424, ErrorCategory.MODEL_ERROR),
        Arguments.of(501, ErrorCategory.UNSUPPORTED_CAPABILITY),
        Arguments.of(502, ErrorCategory.UNAVAILABLE),
        // An unknown 4xx is the caller's request, as on every provider (it was INTERNAL here).
        Arguments.of(418, ErrorCategory.INVALID_INPUT));
  }

  @ParameterizedTest(name = "HTTP {0} -> {1}")
  @MethodSource("httpTable")
  void map_storageHttpStatus_givesCategory(int status, ErrorCategory expected) {
    StorageException se = new StorageException(status, "storage said " + status);
    ServingException e = (ServingException) GcpErrors.map(se, "r");
    assertThat(e.category()).isEqualTo(expected);
    assertThat(e.statusCode()).hasValue(status);
    assertThat(e.getCause()).isSameAs(se);
  }

  @Test
  void map_unknownThrowable_isInternalWithCause() {
    IllegalStateException boom = new IllegalStateException("boom");
    ServingException e = (ServingException) GcpErrors.map(boom, "r");
    assertThat(e.category()).isEqualTo(ErrorCategory.INTERNAL);
    assertThat(e.getCause()).isSameAs(boom);
  }

  @Test
  void everyStatusAndCode_meansWhatCoresTableSays_exceptQuotas() {
    for (int status = 100; status < 600; status++) {
      assertThat(GcpErrors.category(status)).isEqualTo(StatusCategories.ofHttp(status));
    }
    for (Status.Code code : Status.Code.values()) {
      assertThat(GcpErrors.category(StatusCode.Code.valueOf(code.name()), "per minute"))
          .as("%s", code)
          .isEqualTo(StatusCategories.ofGrpc(code.value()));
    }
    assertThat(GcpErrors.category(StatusCode.Code.RESOURCE_EXHAUSTED, "quota of GPUs"))
        .isEqualTo(ErrorCategory.QUOTA_EXCEEDED);
  }

  private static ApiException api(Status.Code code, String message, ErrorDetails details) {
    StatusCode sc = GrpcStatusCode.of(code);
    return ApiExceptionFactory.createException(
        Status.fromCode(code).withDescription(message).asRuntimeException(), sc, false, details);
  }
}
