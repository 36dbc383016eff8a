package io.serve4j.aws.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import io.serve4j.spi.StatusCategories;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.applicationautoscaling.model.ObjectNotFoundException;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sagemaker.model.ResourceInUseException;
import software.amazon.awssdk.services.sagemaker.model.ResourceLimitExceededException;
import software.amazon.awssdk.services.sagemaker.model.SageMakerException;
import software.amazon.awssdk.services.sagemakerruntime.model.ModelErrorException;
import software.amazon.awssdk.services.sagemakerruntime.model.ServiceUnavailableException;
import software.amazon.awssdk.services.sagemakerruntime.model.ValidationErrorException;

/** The mapping table of {@link AwsErrors}, one row per AWS failure the provider meets. */
class AwsErrorsTest {

  private static AwsServiceException.Builder details(
      AwsServiceException.Builder b, String code, int status, String message) {
    return b.awsErrorDetails(
            AwsErrorDetails.builder()
                .errorCode(code)
                .errorMessage(message)
                .sdkHttpResponse(SdkHttpResponse.builder().statusCode(status).build())
                .build())
        .statusCode(status)
        .requestId("req-" + code)
        .message(message);
  }

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of(
            details(
                    SageMakerException.builder(),
                    "ValidationException",
                    400,
                    "Could not find endpoint \"arn:aws:sagemaker:us-east-1:1:endpoint/x\".")
                .build(),
            ErrorCategory.NOT_FOUND),
        Arguments.of(
            details(
                    ValidationErrorException.builder(),
                    "ValidationError",
                    400,
                    "Endpoint x of account 1 not found.")
                .build(),
            ErrorCategory.NOT_FOUND),
        Arguments.of(
            details(
                    SageMakerException.builder(),
                    "ValidationException",
                    400,
                    "Cannot create already existing endpoint \"arn:aws:sagemaker:::endpoint/x\".")
                .build(),
            ErrorCategory.CONFLICT),
        Arguments.of(
            details(
                    SageMakerException.builder(),
                    "ValidationException",
                    400,
                    "1 validation error detected: Value 'x_y' at 'endpointName' failed")
                .build(),
            ErrorCategory.INVALID_INPUT),
        Arguments.of(
            details(SageMakerException.builder(), "ThrottlingException", 400, "Rate exceeded")
                .build(),
            ErrorCategory.THROTTLED),
        Arguments.of(
            details(ServiceUnavailableException.builder(), "ServiceUnavailable", 503, "try later")
                .build(),
            ErrorCategory.UNAVAILABLE),
        Arguments.of(
            details(SageMakerException.builder(), "InternalFailure", 500, "oops").build(),
            ErrorCategory.UNAVAILABLE),
        Arguments.of(
            details(SageMakerException.builder(), "AccessDeniedException", 400, "not allowed")
                .build(),
            ErrorCategory.PERMISSION_DENIED),
        Arguments.of(
            details(SageMakerException.builder(), "ExpiredTokenException", 400, "expired").build(),
            ErrorCategory.UNAUTHENTICATED),
        Arguments.of(
            details(
                    ResourceLimitExceededException.builder(),
                    "ResourceLimitExceeded",
                    400,
                    "The account-level service limit 'ml.g5.xlarge for endpoint usage' is 0")
                .build(),
            ErrorCategory.QUOTA_EXCEEDED),
        Arguments.of(
            details(ResourceInUseException.builder(), "ResourceInUse", 400, "in use").build(),
            ErrorCategory.CONFLICT),
        Arguments.of(
            details(
                    ObjectNotFoundException.builder(),
                    "ObjectNotFoundException",
                    400,
                    "No scalable target registered")
                .build(),
            ErrorCategory.NOT_FOUND),
        Arguments.of(
            details(NoSuchBucketException.builder(), "NoSuchBucket", 404, "no bucket").build(),
            ErrorCategory.NOT_FOUND),
        Arguments.of(
            details(SageMakerException.builder(), "SomethingNew", 502, "bad gateway").build(),
            ErrorCategory.UNAVAILABLE),
        Arguments.of(
            details(SageMakerException.builder(), "SomethingNew", 429, "slow down").build(),
            ErrorCategory.THROTTLED),
        // The asynchronous inference path: InvokeEndpointAsync, its S3 staging and polling.
        Arguments.of(
            details(ValidationErrorException.builder(), "ValidationError", 400, ASYNC_ONLY).build(),
            ErrorCategory.INVALID_INPUT),
        Arguments.of(
            details(ValidationErrorException.builder(), "ValidationError", 400, REAL_TIME_ONLY)
                .build(),
            ErrorCategory.INVALID_INPUT),
        Arguments.of(
            details(
                    ValidationErrorException.builder(),
                    "ValidationError",
                    400,
                    "1 validation error detected: Value 'gs://b/x' at 'inputLocation' failed to"
                        + " satisfy constraint")
                .build(),
            ErrorCategory.INVALID_INPUT),
        Arguments.of(
            details(NoSuchKeyException.builder(), "NoSuchKey", 404, "no such key").build(),
            ErrorCategory.NOT_FOUND),
        Arguments.of(
            details(S3Exception.builder(), "AccessDenied", 403, "Access Denied").build(),
            ErrorCategory.PERMISSION_DENIED),
        Arguments.of(
            details(S3Exception.builder(), "SlowDown", 503, "Please reduce your request rate.")
                .build(),
            ErrorCategory.THROTTLED));
  }

  /** FakeAws's approximations of SageMaker's (undocumented) wording for the two refusals. */
  private static final String ASYNC_ONLY =
      "Endpoint q is configured for asynchronous inference; invoke it with InvokeEndpointAsync.";

  private static final String REAL_TIME_ONLY =
      "Endpoint q is not configured for asynchronous inference; invoke it with InvokeEndpoint.";

  @Test
  void everyStatusWithoutACode_meansWhatCoresTableSays() {
    for (int status = 100; status < 600; status++) {
      assertThat(AwsErrors.categoryOf(null, status, "")).isEqualTo(StatusCategories.ofHttp(status));
    }
    // was UNAVAILABLE here, TIMEOUT on Azure and GCP
    assertThat(AwsErrors.categoryOf(null, 504, "")).isEqualTo(ErrorCategory.TIMEOUT);
    // AWS's own meaning: a 4xx whose message says the resource is missing or busy
    assertThat(AwsErrors.categoryOf(null, 400, "Could not find endpoint x"))
        .isEqualTo(ErrorCategory.NOT_FOUND);
    assertThat(AwsErrors.categoryOf(null, 400, "endpoint x is in use"))
        .isEqualTo(ErrorCategory.CONFLICT);
  }

  @Test
  void invocationStyle_mismatch_isRewrittenToSayWhatToCall() {
    AwsServiceException refused =
        details(ValidationErrorException.builder(), "ValidationError", 400, ASYNC_ONLY).build();
    assertThat(AwsErrors.isInvocationStyleMismatch("ValidationError", ASYNC_ONLY)).isTrue();
    assertThat(AwsErrors.isInvocationStyleMismatch("ValidationError", REAL_TIME_ONLY)).isTrue();
    Throwable e = AwsErrors.map("InvokeEndpoint on endpoint 'q'", refused);
    assertThat(AwsErrors.map("InvokeEndpointAsync on endpoint 'q'", refused).getMessage())
        .startsWith("endpoint 'q' is real-time: use Endpoint.predict, not submit");
    assertThat(e).isInstanceOf(io.serve4j.InvalidInputException.class);
    assertThat(e.getMessage())
        .startsWith("endpoint 'q' is asynchronous: use Endpoint.submit, not predict")
        .contains("SageMaker said: " + ASYNC_ONLY);
    assertThat(e.getCause()).isSameAs(refused);
    assertThat(((ServingException) e).origin()).isEqualTo(ServingException.Origin.SERVICE);
    assertThat(((ServingException) e).statusCode()).hasValue(400);

    // Other refusals, including "not found" (which also says nothing about async), pass unchanged.
    String missing = "Endpoint q of account 1 not found.";
    assertThat(AwsErrors.isInvocationStyleMismatch("ValidationError", missing)).isFalse();
    assertThat(
            AwsErrors.isInvocationStyleMismatch(
                "ValidationError", "Could not find async endpoint q."))
        .isFalse();
    RuntimeException notFound =
        AwsErrors.map(
            "InvokeEndpointAsync on endpoint 'q'",
            details(ValidationErrorException.builder(), "ValidationError", 400, missing).build());
    assertThat(notFound.getMessage()).doesNotContain("use Endpoint");
    ServingException client = AwsErrors.clientError(ErrorCategory.INVALID_INPUT, "async bad");
    assertThat(AwsErrors.map("InvokeEndpoint on endpoint 'q'", client)).isSameAs(client);
  }

  @ParameterizedTest
  @MethodSource("table")
  void map_serviceErrors_toCategoryKeepingCauseStatusAndRequestId(
      AwsServiceException error, ErrorCategory expected) {
    ServingException e = (ServingException) AwsErrors.map("Call x", new CompletionException(error));
    assertThat(e.category()).isEqualTo(expected);
    assertThat(e.origin()).isEqualTo(ServingException.Origin.SERVICE);
    assertThat(e.getCause()).isSameAs(error);
    assertThat(e.statusCode()).hasValue(error.statusCode());
    assertThat(e.requestId()).contains(error.requestId());
    assertThat(e.providerId()).contains("aws");
    assertThat(e.getMessage())
        .startsWith("Call x failed: ")
        .contains(error.awsErrorDetails().errorMessage());
  }

  @Test
  void map_throttling_carriesRetryAfterAndIsRetryable() {
    AwsServiceException error =
        SageMakerException.builder()
            .awsErrorDetails(
                AwsErrorDetails.builder()
                    .errorCode("ThrottlingException")
                    .errorMessage("Rate exceeded")
                    .sdkHttpResponse(
                        SdkHttpResponse.builder()
                            .statusCode(400)
                            .putHeader("Retry-After", "7")
                            .build())
                    .build())
            .statusCode(400)
            .build();
    ServingException e = (ServingException) AwsErrors.map("InvokeEndpoint", error);
    assertThat(e.category()).isEqualTo(ErrorCategory.THROTTLED);
    assertThat(e.retryable()).isTrue();
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(7));
  }

  @Test
  void map_modelError424_isModelErrorWithTheContainersMessage() {
    ModelErrorException error =
        (ModelErrorException)
            details(ModelErrorException.builder(), "ModelError", 424, "Received client error (400)")
                .build()
                .toBuilder()
                .build();
    error =
        error.toBuilder()
            .originalStatusCode(400)
            .originalMessage("input 'x' has the wrong shape")
            .logStreamArn("arn:aws:logs:us-east-1:1:log-group:/aws/sagemaker/Endpoints/x")
            .build();
    ServingException e = (ServingException) AwsErrors.map("InvokeEndpoint", error);
    assertThat(e.category()).isEqualTo(ErrorCategory.MODEL_ERROR);
    assertThat(e.retryable()).isFalse();
    assertThat(e.statusCode()).hasValue(424);
    assertThat(e.getMessage())
        .contains("answered 400")
        .contains("input 'x' has the wrong shape")
        .contains("/aws/sagemaker/Endpoints/x");
  }

  @Test
  void map_clientFailures_haveClientOrigin() {
    ServingException refused =
        (ServingException)
            AwsErrors.map(
                "DescribeEndpoint",
                SdkClientException.create("Unable to execute HTTP request: Connection refused"));
    assertThat(refused.category()).isEqualTo(ErrorCategory.UNAVAILABLE);
    assertThat(refused.origin()).isEqualTo(ServingException.Origin.CLIENT);
    assertThat(refused.retryable()).isTrue();

    ServingException timeout =
        (ServingException) AwsErrors.map("InvokeEndpoint", ApiCallTimeoutException.create(1000));
    assertThat(timeout.category()).isEqualTo(ErrorCategory.TIMEOUT);
    assertThat(timeout.origin()).isEqualTo(ServingException.Origin.CLIENT);

    ServingException attempt =
        (ServingException)
            AwsErrors.map("InvokeEndpoint", ApiCallAttemptTimeoutException.create(1000));
    assertThat(attempt.category()).isEqualTo(ErrorCategory.TIMEOUT);

    ServingException credentials =
        (ServingException)
            AwsErrors.map(
                "CreateModel",
                SdkClientException.create("Unable to load credentials from any of the providers"));
    assertThat(credentials.category()).isEqualTo(ErrorCategory.UNAUTHENTICATED);
    assertThat(credentials.origin()).isEqualTo(ServingException.Origin.CLIENT);
  }

  @Test
  void map_servingExceptions_passThroughUnchanged() {
    ServingException original = AwsErrors.clientError(ErrorCategory.INVALID_INPUT, "bad");
    assertThat(AwsErrors.map("x", new CompletionException(original))).isSameAs(original);
  }

  @Test
  void map_s3Status100WithoutAwsMessage_namesTheInterimContinueAndTheOption() {
    // aws-sdk-java-v2 issue 1969: "S3Exception: null (Service: S3, Status Code: 100, ...)"
    S3Exception s3 =
        (S3Exception)
            S3Exception.builder()
                .statusCode(100)
                .awsErrorDetails(
                    AwsErrorDetails.builder()
                        .serviceName("S3")
                        .sdkHttpResponse(SdkHttpResponse.builder().statusCode(100).build())
                        .build())
                .build();
    ServingException e = (ServingException) AwsErrors.map("staging s3://b/k", s3);
    assertThat(e.getMessage())
        .startsWith("staging s3://b/k failed: HTTP 100")
        .contains("empty response body")
        .contains("100 Continue")
        .contains("AwsOptions.s3ExpectContinue")
        .doesNotContain("null");
    assertThat(e.statusCode()).hasValue(100);
  }

  @Test
  void map_sdkClientExceptionWithoutMessage_neverSaysNull() {
    ServingException e =
        (ServingException)
            AwsErrors.map(
                "CreateModel m",
                SdkClientException.builder().cause(new java.io.IOException("reset")).build());
    assertThat(e.getMessage()).contains("CreateModel m failed:").doesNotContain("null");
  }
}
