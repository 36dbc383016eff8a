package io.serve4j.gcp;

import com.google.api.HttpBody;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcCallContext;
import com.google.api.gax.rpc.ApiCallContext;
import com.google.cloud.aiplatform.v1.PredictRequest;
import com.google.cloud.aiplatform.v1.PredictResponse;
import com.google.cloud.aiplatform.v1.PredictionServiceClient;
import com.google.cloud.aiplatform.v1.PredictionServiceSettings;
import com.google.cloud.aiplatform.v1.RawPredictRequest;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import com.google.protobuf.ListValue;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.Value;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.SideBySide;
import io.serve4j.testkit.SideBySide.RawOipJson;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The remote path measured (issue 22): {@code Endpoint.predict} through serve4j beside the raw
 * Vertex AI {@link PredictionServiceClient} against the same {@link FakeVertex}, each client on its
 * own in-process gRPC channel from the fake's one channel provider (how serve4j's clients are built
 * too), interleaved ({@link SideBySide}). Two calls, the two serve4j makes:
 *
 * <ul>
 *   <li>{@code RawPredict} with an Open Inference Protocol JSON body (Triton and custom
 *       containers): the raw side writes and reads the JSON with Jackson data binding ({@link
 *       RawOipJson}) and wraps the bytes without a copy ({@code UnsafeByteOperations});
 *   <li>{@code Predict} with {@code instances} (prebuilt containers, here scikit-learn): the raw
 *       side builds one {@code ListValue} of numbers per row and reads the predictions back.
 * </ul>
 *
 * <p>Both sides go from a {@code float[]} to the request and from the answer back to a {@code
 * float[]}, and check it is ReLU(x). Off by default:
 *
 * <pre>{@code
 * ./mvnw -B -o -pl provider-gcp -am test -Dtest=RemotePathHarness -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dserve4j.harness=true -Dharness.iterations=3000 -Dharness.windows=8 -Dharness.elements=256
 * }</pre>
 *
 * <p>With {@code -Dharness.rawDeadline=true} the raw calls carry a gRPC deadline (serve4j's default
 * predict timeout), which serve4j's predictions no longer put on the wire (serve4j ends them at its
 * deadline on the client and cancels them): that run shows what a deadline on the wire costs.
 */
@EnabledIfSystemProperty(named = "serve4j.harness", matches = "true")
class RemotePathHarness {
  private final SideBySide.ReluRow input = SideBySide.ReluRow.fromSystemProperties();
  private final int elements = input.elements();
  private final long[] shape = input.shape();
  private final float[] x = input.x();

  @Test
  void rawPredictAndPredictThroughServe4jBesideTheRawClient() throws Exception {
    try (FakeVertex vertex = new FakeVertex(Duration.ofMillis(20), 1, ContractModels::reluAnswer);
        PredictionServiceClient raw =
            PredictionServiceClient.create(
                PredictionServiceSettings.newBuilder()
                    .setCredentialsProvider(NoCredentialsProvider.create())
                    .setTransportChannelProvider(vertex.channelProvider())
                    .build());
        ServingClient client =
            Serve4j.builder()
                .options(
                    GcpOptions.builder()
                        .project("test-project")
                        .location("us-central1")
                        .credentialsProvider(NoCredentialsProvider.create())
                        .transportChannelProvider(vertex.channelProvider())
                        .storage(LocalStorageHelper.getOptions().getService())
                        .stagingBucket("staging")
                        .tritonImage(FakeVertex.TRITON_IMAGE)
                        .pollInterval(Duration.ofMillis(20))
                        .build())
                .build()) {
      client
          .deploy(
              EndpointSpec.of(
                  "relu",
                  Model.builder()
                      .name("relu")
                      .format(ModelFormat.CUSTOM_CONTAINER)
                      .image(FakeVertex.TRITON_IMAGE)
                      .build()))
          .await();
      client.deploy(EndpointSpec.of("churn", FakeVertex.sklearnModel())).await();
      SideBySide.Settings settings = SideBySide.Settings.fromSystemProperties();
      // -Dharness.rawDeadline=true: the raw calls carry serve4j's default predict timeout (60 s) as
      // their gRPC deadline (serve4j's predictions carry none on the wire).
      boolean deadline = Boolean.getBoolean("harness.rawDeadline");
      ApiCallContext context =
          deadline
              ? GrpcCallContext.createDefault().withTimeoutDuration(Duration.ofSeconds(60))
              : null;
      String suffix = deadline ? ", raw call with the same gRPC deadline" : "";

      Endpoint relu = client.endpoint("relu");
      String reluName = relu.describe().details().get("resourceName");
      SideBySide.Result oip =
          SideBySide.run(
              "gcp RawPredict (OIP JSON), FP32 [1," + elements + "]" + suffix,
              () -> {
                HttpBody answer =
                    raw.rawPredictCallable()
                        .call(
                            RawPredictRequest.newBuilder()
                                .setEndpoint(reluName)
                                .setHttpBody(
                                    HttpBody.newBuilder()
                                        .setContentType("application/json")
                                        .setData(
                                            UnsafeByteOperations.unsafeWrap(
                                                RawOipJson.request("x", shape, x))))
                                .build(),
                            context);
                input.check(RawOipJson.firstOutput(answer.getData().toByteArray()));
              },
              () ->
                  input.check(
                      relu.predict(InferenceRequest.of(Tensor.ofFloats("x", shape, x)))
                          .output("y")
                          .asFloats()),
              settings);
      System.out.print(oip.report());

      Endpoint churn = client.endpoint("churn");
      String churnName = churn.describe().details().get("resourceName");
      SideBySide.Result instances =
          SideBySide.run(
              "gcp Predict (instances), FP32 [1," + elements + "]" + suffix,
              () -> input.check(rawPredict(raw, churnName, x, context)),
              () ->
                  input.check(
                      churn
                          .predict(InferenceRequest.of(Tensor.ofFloats("x", shape, x)))
                          .output("predictions")
                          .asFloats()),
              settings);
      System.out.print(instances.report());
    }
  }

  /**
   * The raw client's Predict of one row, as a user of the SDK writes it: the row to a {@code Value}
   * list, the first prediction back to floats.
   *
   * @param context the call's context, or null for the client's defaults
   */
  static float[] rawPredict(
      PredictionServiceClient raw, String endpoint, float[] x, ApiCallContext context) {
    ListValue.Builder row = ListValue.newBuilder();
    for (float v : x) {
      row.addValues(Value.newBuilder().setNumberValue(v));
    }
    PredictResponse answer =
        raw.predictCallable()
            .call(
                PredictRequest.newBuilder()
                    .setEndpoint(endpoint)
                    .addInstances(Value.newBuilder().setListValue(row))
                    .build(),
                context);
    List<Value> values = answer.getPredictions(0).getListValue().getValuesList();
    float[] y = new float[values.size()];
    for (int i = 0; i < y.length; i++) {
      y[i] = (float) values.get(i).getNumberValue();
    }
    return y;
  }
}
