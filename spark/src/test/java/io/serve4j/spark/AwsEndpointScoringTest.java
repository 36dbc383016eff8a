package io.serve4j.spark;

import static org.apache.spark.sql.functions.expr;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.serve4j.DataType;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.RetryPolicy;
import io.serve4j.Serve4j;
import io.serve4j.Tensor;
import io.serve4j.aws.AwsOptions;
import io.serve4j.protocol.OipJson;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * A SageMaker endpoint through Spark: the real AWS SDK client of the {@code aws} provider against a
 * loopback fake of SageMaker's DescribeEndpoint / DescribeEndpointConfig and SageMaker Runtime's
 * InvokeEndpoint (y = 2x, Open Inference Protocol JSON). The first invocation answers 503, which
 * core retries.
 */
class AwsEndpointScoringTest {
  static HttpServer server;
  static ExecutorService pool;
  static final AtomicInteger INVOCATIONS = new AtomicInteger();
  static final AtomicInteger CONCURRENT = new AtomicInteger();
  static final AtomicInteger MAX_CONCURRENT = new AtomicInteger();
  static final AtomicInteger UNAVAILABLE_LEFT = new AtomicInteger();
  static SparkSession spark;

  @BeforeAll
  static void start() throws IOException {
    spark = SparkTests.session();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    pool = Executors.newFixedThreadPool(8);
    server.setExecutor(pool);
    server.createContext("/", AwsEndpointScoringTest::handle);
    server.start();
  }

  @AfterAll
  static void stop() {
    server.stop(0);
    pool.shutdownNow();
  }

  static void handle(HttpExchange ex) throws IOException {
    byte[] body = ex.getRequestBody().readAllBytes();
    String path = ex.getRequestURI().getPath();
    String target = ex.getRequestHeaders().getFirst("X-Amz-Target");
    if (path.equals("/endpoints/doubler/invocations")) {
      invoke(ex, body);
    } else if ("SageMaker.DescribeEndpoint".equals(target)) {
      send(
          ex,
          200,
          null,
          "{\"EndpointName\":\"doubler\",\"EndpointArn\":\"arn:aws:sagemaker:us-east-1:123456789012:"
              + "endpoint/doubler\",\"EndpointConfigName\":\"doubler-cfg\",\"EndpointStatus\":"
              + "\"InService\",\"CreationTime\":1.7E9,\"LastModifiedTime\":1.7E9,"
              + "\"ProductionVariants\":[{\"VariantName\":\"default\",\"CurrentInstanceCount\":1}]}");
    } else if ("SageMaker.DescribeEndpointConfig".equals(target)) {
      send(
          ex,
          200,
          null,
          "{\"EndpointConfigName\":\"doubler-cfg\",\"EndpointConfigArn\":\"arn:aws:sagemaker:"
              + "us-east-1:123456789012:endpoint-config/doubler-cfg\",\"CreationTime\":1.7E9,"
              + "\"ProductionVariants\":[{\"VariantName\":\"default\",\"ModelName\":\"doubler-m\","
              + "\"InstanceType\":\"ml.m5.large\",\"InitialInstanceCount\":1}]}");
    } else {
      // DescribeModel and anything else: the endpoint then reports no signature
      send(ex, 400, "ValidationException", "{\"message\":\"not in this fake\"}");
    }
  }

  static void invoke(HttpExchange ex, byte[] body) throws IOException {
    int now = CONCURRENT.incrementAndGet();
    MAX_CONCURRENT.accumulateAndGet(now, Math::max);
    try {
      INVOCATIONS.incrementAndGet();
      if (UNAVAILABLE_LEFT.getAndDecrement() > 0) {
        send(ex, 503, "ServiceUnavailable", "{\"message\":\"Service Unavailable\"}");
        return;
      }
      Thread.sleep(20);
      InferenceRequest request = OipJson.readRequest(body);
      Tensor x = request.input("x").orElseThrow();
      float[] v = x.asFloats();
      for (int i = 0; i < v.length; i++) {
        v[i] *= 2;
      }
      byte[] out =
          OipJson.writeResponse(
              InferenceResponse.builder()
                  .output(Tensor.ofFloats("y", x.shape().toArray(), v))
                  .build());
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, out.length);
      ex.getResponseBody().write(out);
      ex.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      CONCURRENT.decrementAndGet();
    }
  }

  static void send(HttpExchange ex, int status, String errorType, String json) throws IOException {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
    ex.getResponseHeaders().add("x-amzn-RequestId", "req-fake");
    if (errorType != null) {
      ex.getResponseHeaders().add("x-amzn-ErrorType", errorType);
    }
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
    ex.close();
  }

  /** The executors' client: the aws provider pointed at the fake (only the port is captured). */
  static ClientFactory aws(int port) {
    return () ->
        Serve4j.builder()
            .options(
                AwsOptions.builder()
                    .region(Region.US_EAST_1)
                    .credentialsProvider(
                        StaticCredentialsProvider.create(
                            AwsBasicCredentials.create("AKIDTEST", "test-secret")))
                    .endpointOverride(URI.create("http://127.0.0.1:" + port))
                    .build())
            .retryPolicy(
                RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(10)).build())
            .predictTimeout(Duration.ofSeconds(20))
            .build();
  }

  @Test
  void score_sageMakerEndpoint_retriesA503AndBoundsTheRequestsInFlight() {
    UNAVAILABLE_LEFT.set(1);
    INVOCATIONS.set(0);
    MAX_CONCURRENT.set(0);
    Dataset<Row> df =
        spark
            .range(0, 3_000, 1, 4)
            .withColumn("features", expr("array(cast(id AS float), 1f, -0.5f)"));
    ScoringSpec spec =
        ScoringSpec.builder()
            .client(aws(server.getAddress().getPort()))
            .endpoint("doubler")
            .input(InputMapping.of("x", DataType.FP32, "features"))
            .output(OutputColumn.array("y", "y").withType(DataType.FP32))
            .batchSize(50)
            .maxInFlight(3)
            .build();
    ScoringCounters counters = ScoringCounters.register(spark.sparkContext());
    List<Row> rows = Serve4jSpark.score(df, spec, counters).collectAsList();
    assertThat(rows).hasSize(3_000);
    for (Row r : rows) {
      long id = r.getLong(0);
      assertThat(r.<Object>getAs("serve4j_error")).as("row %s", id).isNull();
      assertThat(r.getList(r.fieldIndex("y"))).containsExactly(2f * id, 2f, -1f);
    }
    assertThat(counters.scored()).isEqualTo(3_000);
    // 60 batches, one of them sent twice (the 503, retried by core)
    assertThat(INVOCATIONS.get()).isEqualTo(61);
    // two tasks with 4 batches each in their windows, but at most 3 requests in flight
    assertThat(MAX_CONCURRENT.get()).isBetween(2, 3);
  }

  @Test
  void score_whenTheEndpointKeepsFailing_everyRowGetsTheTypedError() {
    UNAVAILABLE_LEFT.set(1_000_000);
    try {
      Dataset<Row> df =
          spark.range(0, 100, 1, 1).withColumn("features", expr("array(cast(id AS float))"));
      ScoringSpec spec =
          ScoringSpec.builder()
              .client(aws(server.getAddress().getPort()))
              .endpoint("doubler")
              .input(InputMapping.of("x", DataType.FP32, "features"))
              .output(OutputColumn.array("y", "y").withType(DataType.FP32))
              .batchSize(50)
              .build();
      List<Row> rows = Serve4jSpark.score(df, spec).collectAsList();
      assertThat(rows).hasSize(100);
      for (Row r : rows) {
        Row e = r.getAs("serve4j_error");
        assertThat(e.getString(0)).isEqualTo("UNAVAILABLE");
        assertThat(e.getString(2)).isEqualTo("aws");
        assertThat(e.getString(3)).isEqualTo("req-fake");
      }
    } finally {
      UNAVAILABLE_LEFT.set(0);
    }
  }
}
