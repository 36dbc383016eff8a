package io.serve4j.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import io.serve4j.testkit.ContractModels;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;

/**
 * What the provider says when AWS (or what stands in front of it) answers something that is not an
 * AWS error: an HTML error page, an empty 5xx. Through the real SDK against {@link FakeAws}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AwsWireFidelityTest {
  private FakeAws fake;
  private SdkAsyncHttpClient http;
  private ServingClient aws;

  @BeforeAll
  void start() {
    fake = new FakeAws().bucket("models").deployTime(Duration.ofMillis(100));
    http = NettyNioAsyncHttpClient.create();
    aws =
        Serve4j.builder()
            .options(AwsContractTest.options(fake).httpClient(http).build())
            .operationTimeout(Duration.ofSeconds(60))
            .build();
  }

  @AfterAll
  void stop() {
    aws.close();
    http.close();
    fake.close();
  }

  @AfterEach
  void clearFaults() {
    fake.clearRawAnswers();
  }

  private static String name() {
    return "w-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static Model freshRelu() {
    return ContractModels.reluOnClasspath().toBuilder()
        .version(UUID.randomUUID().toString().substring(0, 8))
        .build();
  }

  @Test
  void deploy_whenAProxyAnswersCreateModelWithAnHtml502_saysOperationStatusAndBodyNeverNull() {
    fake.answerRaw(
        "CreateModel",
        10,
        new FakeAws.RawAnswer(
            502,
            "text/html",
            "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
            null));
    String n = name();
    assertThatThrownBy(
            () -> aws.deploy(EndpointSpec.of(n, ContractModels.reluOnClasspath())).await())
        .isInstanceOfSatisfying(
            ServingException.class,
            e -> {
              assertThat(e.getMessage()).contains("CreateModel");
              assertThat(e.category()).isEqualTo(ErrorCategory.UNAVAILABLE);
              assertThat(e.statusCode()).hasValue(502);
              assertThat(e.getMessage())
                  .contains("CreateModel")
                  .contains("HTTP 502")
                  .contains("non-AWS response body (an HTML page, content type text/html)")
                  .contains("no AWS request id")
                  .doesNotContain("null");
            });
  }

  @Test
  void deploy_whenStagingPutAnswersAnEmpty500_saysOperationStatusRequestIdsNeverNull() {
    fake.answerRaw("S3 PUT", 10, new FakeAws.RawAnswer(500, null, null, "REQ500"));
    String n = name();
    assertThatThrownBy(() -> aws.deploy(EndpointSpec.of(n, freshRelu())).await())
        .isInstanceOfSatisfying(
            ServingException.class,
            e -> {
              assertThat(e.category()).isEqualTo(ErrorCategory.UNAVAILABLE);
              assertThat(e.statusCode()).hasValue(500);
              assertThat(e.requestId()).hasValue("REQ500");
              assertThat(e.getMessage())
                  .contains("staging s3://models/")
                  .contains("HTTP 500")
                  .contains("empty response body")
                  .contains("request id REQ500")
                  .contains("extended request id REQ500-extended")
                  .doesNotContain("null");
            });
  }

  @Test
  void deploy_whenAProxyAnswersTheStagingPutWithAnHtml503_saysSoNeverNull() {
    fake.answerRaw(
        "S3 PUT",
        10,
        new FakeAws.RawAnswer(
            503,
            "text/html; charset=utf-8",
            "<!DOCTYPE html><html><body>down</body></html>",
            null));
    String n = name();
    assertThatThrownBy(() -> aws.deploy(EndpointSpec.of(n, freshRelu())).await())
        .isInstanceOfSatisfying(
            ServingException.class,
            e -> {
              assertThat(e.category()).isEqualTo(ErrorCategory.UNAVAILABLE);
              assertThat(e.statusCode()).hasValue(503);
              assertThat(e.getMessage())
                  .contains("staging s3://models/")
                  .contains("HTTP 503")
                  .contains("non-AWS response body (an HTML page")
                  .doesNotContain("null");
            });
  }
}
