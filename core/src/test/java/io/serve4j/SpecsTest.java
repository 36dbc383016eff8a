package io.serve4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.internal.CapabilityCheck;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The spec values' checks: names, traffic, mirrors and the capabilities they need, signatures,
 * async inference, scaling, requests and the error hierarchy.
 */
class SpecsTest {
  private static final Model MODEL =
      Model.builder().name("m").artifact(URI.create("file:/tmp/m.onnx")).build();

  @Test
  void endpoint_singleDeploymentWithoutTraffic_gets100() {
    assertThat(EndpointSpec.of("e", MODEL).traffic()).isEqualTo(Map.of("default", 100));
  }

  @Test
  void endpoint_duplicateDeploymentNames_areRejected() {
    assertThatThrownBy(
            () ->
                EndpointSpec.builder()
                    .name("e")
                    .deployment(DeploymentSpec.of("a", MODEL))
                    .deployment(DeploymentSpec.of("a", MODEL))
                    .build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("duplicate deployment names");
  }

  @Test
  void capabilityCheck_countsLiveDeploymentsWithoutTheMirror() {
    EndpointSpec mirrored = mirrored();
    // one live deployment: a shadow is needed, a traffic split is not
    CapabilityCheck.check("p", Set.of(Capability.SHADOW), mirrored);
    assertThatThrownBy(() -> CapabilityCheck.check("p", Set.of(), mirrored))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("SHADOW");
    EndpointSpec split =
        EndpointSpec.builder()
            .name("e")
            .deployment(DeploymentSpec.of("a", MODEL))
            .deployment(DeploymentSpec.of("b", MODEL))
            .traffic(Map.of("a", 50, "b", 50))
            .build();
    assertThatThrownBy(() -> CapabilityCheck.check("p", Set.of(Capability.SHADOW), split))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("TRAFFIC_SPLIT");
    CapabilityCheck.check("p", Set.of(Capability.TRAFFIC_SPLIT), split);
  }

  @Test
  void endpoint_trafficMustSumTo100() {
    assertThatThrownBy(
            () ->
                EndpointSpec.builder()
                    .name("e")
                    .deployment(DeploymentSpec.of("a", MODEL))
                    .deployment(DeploymentSpec.of("b", MODEL))
                    .traffic(Map.of("a", 60, "b", 30))
                    .build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("sums to 90");
  }

  @Test
  void endpoint_trafficNamingUnknownDeployment_isInvalid() {
    assertThatThrownBy(
            () ->
                EndpointSpec.builder()
                    .name("e")
                    .deployment(DeploymentSpec.of("a", MODEL))
                    .traffic(Map.of("a", 50, "zz", 50))
                    .build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("'zz'");
  }

  @Test
  void endpoint_severalLiveDeploymentsWithoutTraffic_isInvalid() {
    assertThatThrownBy(
            () ->
                EndpointSpec.builder()
                    .name("e")
                    .deployment(DeploymentSpec.of("a", MODEL))
                    .deployment(DeploymentSpec.of("b", MODEL))
                    .build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("has 2 live deployments")
        .hasMessageContaining("give the traffic");
  }

  @Test
  void endpoint_shadowMayNotTakeLiveTraffic() {
    assertThatThrownBy(
            () ->
                EndpointSpec.builder()
                    .name("e")
                    .deployment(DeploymentSpec.of("a", MODEL))
                    .deployment(DeploymentSpec.of("s", MODEL))
                    .traffic(Map.of("a", 50, "s", 50))
                    .mirror(new Mirror("s", 10))
                    .build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("shadow");
    // one live deployment beside a mirror gets all traffic
    EndpointSpec ok = mirrored();
    assertThat(ok.traffic()).isEqualTo(Map.of("a", 100));
    assertThat(ok.deployment("s")).map(DeploymentSpec::name).contains("s");
    assertThat(ok.deployment("none")).isEmpty();
  }

  private static EndpointSpec mirrored() {
    return EndpointSpec.builder()
        .name("e")
        .deployment(DeploymentSpec.of("a", MODEL))
        .deployment(DeploymentSpec.of("s", MODEL))
        .mirror(new Mirror("s", 10))
        .build();
  }

  @Test
  void asyncInference_validatesAndNamesTheField() {
    assertThatThrownBy(
            () -> AsyncInference.builder().maxConcurrentInvocationsPerInstance(0).build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("maxConcurrentInvocationsPerInstance")
        .hasMessageContaining("was 0");
    assertThatThrownBy(
            () -> AsyncInference.builder().maxConcurrentInvocationsPerInstance(1001).build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("maxConcurrentInvocationsPerInstance");
    assertThatThrownBy(
            () -> AsyncInference.builder().outputLocation(URI.create("relative/path")).build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("outputLocation");
    assertThatThrownBy(
            () -> AsyncInference.builder().failureLocation(URI.create("mailto:a@b")).build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("failureLocation");
    AsyncInference a =
        AsyncInference.builder()
            .outputLocation(URI.create("s3://b/out/"))
            .failureLocation(URI.create("s3://b/failed/"))
            .maxConcurrentInvocationsPerInstance(1000)
            .build();
    assertThat(a.outputLocation()).contains(URI.create("s3://b/out/"));
    assertThat(a.failureLocation()).contains(URI.create("s3://b/failed/"));
    assertThat(a.maxConcurrentInvocationsPerInstance()).hasValue(1000);
    assertThat(a.toBuilder().build()).isEqualTo(a).hasSameHashCodeAs(a);
    assertThat(a).isNotEqualTo(a.toBuilder().maxConcurrentInvocationsPerInstance(1).build());
    assertThat(a.toString()).contains("s3://b/out/", "s3://b/failed/", "1000");
    AsyncInference d = AsyncInference.defaults();
    assertThat(d.outputLocation()).isEmpty();
    assertThat(d.failureLocation()).isEmpty();
    assertThat(d.maxConcurrentInvocationsPerInstance()).isEmpty();
    assertThat(d).isEqualTo(AsyncInference.builder().build());
  }

  @Test
  void endpoint_asyncInference_isRealTimeByDefault_andKeptByToBuilder() {
    EndpointSpec realTime = EndpointSpec.of("e", MODEL);
    assertThat(realTime.asyncInference()).isEmpty();
    AsyncInference settings =
        AsyncInference.builder().maxConcurrentInvocationsPerInstance(2).build();
    EndpointSpec async = realTime.toBuilder().asyncInference(settings).build();
    assertThat(async.asyncInference()).contains(settings);
    assertThat(async.toBuilder().build()).isEqualTo(async).hasSameHashCodeAs(async);
    assertThat(async).isNotEqualTo(realTime);
    assertThat(async.toString()).contains("asyncInference=");
    assertThat(async.toBuilder().asyncInference(null).build()).isEqualTo(realTime);

    EndpointDescription d =
        EndpointDescription.builder()
            .name("e")
            .status(EndpointStatus.IN_SERVICE)
            .asyncInference(settings)
            .build();
    assertThat(d.asyncInference()).contains(settings);
    assertThat(d.toBuilder().build().asyncInference()).contains(settings);
    assertThat(d.toString()).contains("asyncInference=");
    assertThat(
            EndpointDescription.builder()
                .name("e")
                .status(EndpointStatus.IN_SERVICE)
                .build()
                .asyncInference())
        .isEmpty();
  }

  @Test
  void signature_duplicateInputOrOutputNames_areRejected() {
    TensorSpec x = TensorSpec.of("x", DataType.FP32, -1, 4);
    TensorSpec y = TensorSpec.of("y", DataType.FP32, -1, 2);
    assertThatThrownBy(() -> new ModelSignature(List.of(x, x), List.of(y)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("duplicate input names");
    assertThatThrownBy(() -> new ModelSignature(List.of(x), List.of(y, y)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("duplicate output names");
    assertThat(new ModelSignature(List.of(x, y), List.of(x, y)).inputs()).hasSize(2);
  }

  @Test
  void signature_isBatchable_onlyWithADynamicFirstDimensionEverywhere() {
    TensorSpec dynamic = TensorSpec.of("x", DataType.FP32, -1, 4);
    TensorSpec fixed = TensorSpec.of("f", DataType.FP32, 1, 4);
    TensorSpec scalar = TensorSpec.of("s", DataType.FP32);
    TensorSpec out = TensorSpec.of("y", DataType.FP32, -1, 2);
    assertThat(new ModelSignature(List.of(dynamic), List.of(out)).isBatchable()).isTrue();
    assertThat(new ModelSignature(List.of(dynamic, fixed), List.of(out)).isBatchable()).isFalse();
    assertThat(new ModelSignature(List.of(dynamic), List.of(out, scalar)).isBatchable()).isFalse();
    assertThat(new ModelSignature(List.of(scalar), List.of(out)).isBatchable()).isFalse();
    assertThat(new ModelSignature(List.of(), List.of(out)).isBatchable()).isFalse();
  }

  @Test
  void names_areValidated() {
    assertThatThrownBy(() -> EndpointSpec.of("bad name", MODEL))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> Model.builder().name("-x").artifact("file:/m").build())
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> Model.builder().name("m").build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("artifact");
    assertThatThrownBy(() -> Model.builder().name("m").artifact("file:/m").sha256("abc").build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("sha256");
  }

  @Test
  void model_toStringHidesEnvironmentValues() {
    Model m = MODEL.toBuilder().environment("API_KEY", "s3cr3t-value").build();
    assertThat(m.toString()).contains("API_KEY").doesNotContain("s3cr3t-value");
  }

  @Test
  void scaling_validatesBounds() {
    assertThat(Scaling.autoscale(0, 4, ScalingMetric.CPU_UTILIZATION, 70).initialInstances())
        .isEqualTo(1);
    assertThatThrownBy(() -> Scaling.autoscale(5, 4, ScalingMetric.CPU_UTILIZATION, 70))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> Scaling.fixed(0)).isInstanceOf(InvalidInputException.class);
  }

  @Test
  void request_needsTensorsXorPayload() {
    assertThatThrownBy(() -> InferenceRequest.builder().build())
        .isInstanceOf(InvalidInputException.class);
    Tensor t = Tensor.ofFloats("x", new long[] {1}, new float[] {1});
    assertThatThrownBy(
            () ->
                InferenceRequest.builder()
                    .input(t)
                    .payload(Payload.ofText("a", "text/csv"))
                    .build())
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> InferenceRequest.builder().input(t).input(t).build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("duplicate");
  }

  @Test
  void exceptions_buildTheirCategorySubclass_withRetryability() {
    for (ErrorCategory c : ErrorCategory.values()) {
      ServingException e = ServingException.builder(c).message("m").build();
      assertThat(e.category()).isEqualTo(c);
      assertThat(e.getClass().getSimpleName())
          .isEqualToIgnoringCase(c.name().replace("_", "") + "Exception");
      assertThat(e.retryable()).isEqualTo(c.retryable());
      assertThat(e.origin()).isEqualTo(ServingException.Origin.CLIENT);
    }
    ServingException t =
        ServingException.builder(ErrorCategory.THROTTLED)
            .fromService()
            .statusCode(429)
            .retryAfter(java.time.Duration.ofSeconds(3))
            .build();
    assertThat(t).isInstanceOf(ThrottledException.class);
    assertThat(t.retryable()).isTrue();
    assertThat(t.retryAfter()).contains(java.time.Duration.ofSeconds(3));
    assertThat(t.statusCode()).hasValue(429);
  }
}
