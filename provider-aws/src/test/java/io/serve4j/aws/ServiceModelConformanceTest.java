package io.serve4j.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The check every AWS test runs on every request {@link FakeAws} receives ({@link
 * RequestConformance} over {@link ServiceModels}): it catches what the service models forbid, and
 * the tests fail, saying how to install them, when the models are missing.
 */
class ServiceModelConformanceTest {
  private final HttpClient http = HttpClient.newHttpClient();
  private FakeAws fake;

  @BeforeEach
  void start() {
    fake = new FakeAws().bucket("models");
  }

  @AfterEach
  void stop() {
    fake.close();
  }

  private int send(String method, String path, String target, String contentType, String body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(fake.uri() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (target != null) {
      b.header("X-Amz-Target", target);
    }
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private int sagemaker(String op, String json) throws Exception {
    return send("POST", "/", "SageMaker." + op, "application/x-amz-json-1.1", json);
  }

  @Test
  void jsonRequests_unknownOperationMemberMissingRequiredEnumPatternLengthAndRange_areViolations()
      throws Exception {
    assertThat(sagemaker("Frobnicate", "{}")).isEqualTo(400);
    assertThat(
            sagemaker(
                "CreateModel",
                "{\"ModelName\":\"_bad\",\"Colour\":\"red\",\"PrimaryContainer\":"
                    + "{\"Image\":\"img\",\"Environment\":{\"K\":\"v\"}}}"))
        .isEqualTo(400);
    assertThat(
            sagemaker(
                "CreateEndpointConfig",
                "{\"EndpointConfigName\":\""
                    + "x".repeat(64)
                    + "\",\"ProductionVariants\":[{\"VariantName\":\"v\",\"ModelName\":\"m\","
                    + "\"InstanceType\":\"ml.nope.large\",\"InitialInstanceCount\":0}]}"))
        .isEqualTo(400);
    assertThat(send("POST", "/", "SageMaker.ListEndpoints", "application/json", "{}"))
        .isEqualTo(400);
    List<String> v = fake.takeViolations();
    assertThat(v)
        .anyMatch(s -> s.contains("unknown operation Frobnicate"))
        .anyMatch(s -> s.contains("sagemaker CreateModel: unknown member Colour"))
        .anyMatch(s -> s.contains("ModelName = '_bad' does not match the model's pattern"))
        .anyMatch(s -> s.contains("EndpointConfigName length 64 is above the model's max 63"))
        .anyMatch(
            s -> s.contains("InstanceType = 'ml.nope.large' is not one of the model's values"))
        .anyMatch(s -> s.contains("InitialInstanceCount 0 is below the model's min 1"))
        .anyMatch(s -> s.contains("Content-Type application/json, the model says"));
  }

  @Test
  void jsonRequests_missingRequiredMember_isAViolation() throws Exception {
    assertThat(sagemaker("DescribeEndpoint", "{}")).isEqualTo(400);
    assertThat(fake.takeViolations())
        .containsExactly("sagemaker DescribeEndpoint: missing required member EndpointName");
  }

  @Test
  void restRequests_unknownHeadersQueryParametersXmlMembersAndMissingChecksum_areViolations()
      throws Exception {
    HttpRequest invoke =
        HttpRequest.newBuilder(URI.create(fake.uri() + "/endpoints/e/invocations"))
            .header("Content-Type", "text/csv")
            .header("X-Amzn-SageMaker-Colour", "red")
            .POST(HttpRequest.BodyPublishers.ofString("1"))
            .build();
    assertThat(http.send(invoke, HttpResponse.BodyHandlers.discarding()).statusCode())
        .isEqualTo(400);
    assertThat(
            send(
                "PUT",
                "/models?encryption",
                null,
                "application/xml",
                "<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"
                    + "<SSEAlgorithm>rot13</SSEAlgorithm><Colour>red</Colour>"
                    + "</ApplyServerSideEncryptionByDefault></Rule>"
                    + "</ServerSideEncryptionConfiguration>"))
        .isEqualTo(400);
    assertThat(send("GET", "/models/k?colour=red", null, null, null)).isEqualTo(400);
    assertThat(send("PATCH", "/models/k", null, null, null)).isEqualTo(400);
    List<String> v = fake.takeViolations();
    assertThat(v)
        .anyMatch(
            s ->
                s.equals(
                    "sagemaker-runtime InvokeEndpoint: unknown header x-amzn-sagemaker-colour"))
        .anyMatch(s -> s.startsWith("s3 PutBucketEncryption: the operation requires a checksum"))
        .anyMatch(s -> s.contains("SSEAlgorithm = 'rot13' is not one of the model's values"))
        .anyMatch(
            s ->
                s.contains(
                    "unknown member ServerSideEncryptionConfiguration.Rule"
                        + ".ApplyServerSideEncryptionByDefault.Colour"))
        .anyMatch(s -> s.equals("s3 GetObject: unknown query parameter colour"))
        .anyMatch(s -> s.startsWith("s3 ?: no operation of s3 is PATCH /models/k"));
  }

  @Test
  void queryRequests_unknownActionWrongVersionAndUnknownParameter_areViolations() throws Exception {
    String form = "application/x-www-form-urlencoded";
    assertThat(send("POST", "/", null, form, "Action=GetCallerIdentity&Version=2011-06-15"))
        .isEqualTo(200);
    send("POST", "/", null, form, "Action=GetCallerIdentity&Version=2020-01-01&Colour=red");
    send("POST", "/", null, form, "Action=Frobnicate&Version=2011-06-15");
    assertThat(fake.takeViolations())
        .containsExactlyInAnyOrder(
            "sts GetCallerIdentity: Version 2020-01-01, the model says 2011-06-15",
            "sts GetCallerIdentity: unknown parameter Colour",
            "sts Frobnicate: unknown Action Frobnicate");
  }

  @Test
  void closingAFakeThatSawAViolation_failsTheTest() throws Exception {
    try (FakeAws other = new FakeAws()) {
      send(other, "SageMaker.Frobnicate");
      assertThatThrownBy(other::close)
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("do not conform to AWS's service models")
          .hasMessageContaining("unknown operation Frobnicate");
      other.takeViolations();
    }
  }

  private void send(FakeAws other, String target) throws Exception {
    http.send(
        HttpRequest.newBuilder(other.uri())
            .header("X-Amz-Target", target)
            .header("Content-Type", "application/x-amz-json-1.1")
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build(),
        HttpResponse.BodyHandlers.discarding());
  }

  @Test
  void missingModels_failWithHowToInstallThem() {
    assertThatThrownBy(
            () ->
                ServiceModels.load(Path.of("/nonexistent/botocore"), Path.of("/nonexistent/apis")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is missing")
        .hasMessageContaining("apt-get install -y python3-botocore")
        .hasMessageContaining("npm install --prefix /opt/serve4j/aws-sdk-js aws-sdk@2.1693.0")
        .hasMessageContaining(ServiceModels.SDK_JS_PROPERTY);
  }
}
