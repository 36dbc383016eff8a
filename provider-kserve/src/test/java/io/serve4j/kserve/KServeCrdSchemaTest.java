package io.serve4j.kserve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.serve4j.Accelerator;
import io.serve4j.ContainerSpec;
import io.serve4j.DeploymentSpec;
import io.serve4j.DeviceType;
import io.serve4j.EndpointSpec;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.Scaling;
import io.serve4j.ScalingMetric;
import io.serve4j.kserve.internal.InferenceServices;
import io.serve4j.kserve.internal.Manifests;
import io.serve4j.testkit.ContractModels;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * What serve4j writes against KServe's own InferenceService schema (the CRD's openAPIV3Schema,
 * {@link KServeCrdSchema}): every mapping fits it, and each kind of violation the schema can
 * express is caught, by the schema and by the fake's API server (422), which checks every
 * InferenceService serve4j creates or replaces in every test of this module.
 */
class KServeCrdSchemaTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Model IMAGE =
      Model.builder()
          .name("relu")
          .format(ModelFormat.ONNX)
          .image("registry.example/oip-server:1")
          .container(
              ContainerSpec.builder()
                  .port(9000)
                  .healthRoute("/v2/health/live")
                  .readinessRoute("/v2/health/ready")
                  .command(List.of("java"))
                  .args(List.of("-jar", "serve4j.jar"))
                  .build())
          .environment("MODEL_NAME", "relu")
          .artifact(URI.create("gs://bucket/relu"))
          .build();

  private static String manifest(KServeOptions options, EndpointSpec spec) {
    Manifests m = new Manifests(options);
    GenericKubernetesResource r = m.create(spec, "models");
    if (spec.deployments().size() > 1) {
      m.setPredictor(r, spec.deployments().get(1), 25);
    }
    try {
      return JSON.writeValueAsString(r);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void everyMapping_fitsKServesSchema() {
    Model onnx = ContractModels.relu(URI.create("s3://models/triton-repo"));
    KServeOptions rest = KServeOptions.builder().gpuProductLabel("nvidia.com/gpu.product").build();
    KServeOptions grpc = rest.toBuilder().protocol(KServeOptions.Protocol.GRPC).build();
    List<EndpointSpec> specs =
        List.of(
            EndpointSpec.of("onnx", onnx),
            EndpointSpec.of("image", IMAGE),
            EndpointSpec.builder()
                .name("gpu")
                .deployment(
                    DeploymentSpec.builder()
                        .name("blue")
                        .model(onnx)
                        .accelerator(Accelerator.gpu(DeviceType.NVIDIA_L4, 2))
                        .scaling(Scaling.autoscale(1, 4, ScalingMetric.CPU_UTILIZATION, 70))
                        .build())
                .build(),
            EndpointSpec.builder()
                .name("rps")
                .deployment(
                    DeploymentSpec.builder()
                        .name("blue")
                        .model(IMAGE)
                        .accelerator(Accelerator.cpu(2, 8))
                        .scaling(
                            Scaling.autoscale(0, 3, ScalingMetric.INVOCATIONS_PER_INSTANCE, 600))
                        .build())
                .build(),
            EndpointSpec.builder()
                .name("canary")
                .deployment(DeploymentSpec.of("blue", onnx))
                .deployment(DeploymentSpec.of("green", onnx))
                .traffic(Map.of("blue", 75, "green", 25))
                .build());
    for (KServeOptions o : List.of(rest, grpc)) {
      for (EndpointSpec s : specs) {
        assertThat(KServeCrdSchema.violations(manifest(o, s)))
            .as(s.name() + " " + o.protocol())
            .isEmpty();
      }
    }
  }

  private static String edited(Consumer<Map<String, Object>> predictor) {
    try {
      @SuppressWarnings("unchecked")
      Map<String, Object> r =
          JSON.readValue(
              manifest(KServeOptions.builder().build(), EndpointSpec.of("image", IMAGE)),
              Map.class);
      @SuppressWarnings("unchecked")
      Map<String, Object> p =
          (Map<String, Object>) ((Map<String, Object>) r.get("spec")).get("predictor");
      predictor.accept(p);
      return JSON.writeValueAsString(r);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> container(Map<String, Object> predictor) {
    return ((List<Map<String, Object>>) predictor.get("containers")).get(0);
  }

  @Test
  void eachKindOfViolation_isCaught() {
    Map<String, String> cases =
        Map.of(
            // a wrong type
            "minReplicas as a string", edited(p -> p.put("minReplicas", "1")),
            // a value outside an enum
            "scaleMetric gpu", edited(p -> p.put("scaleMetric", "gpu")),
            // a required field missing
            "container without name", edited(p -> container(p).remove("name")),
            "port without containerPort",
                edited(p -> container(p).put("ports", List.of(Map.of("name", "h2c")))),
            "env without name", edited(p -> container(p).put("env", List.of(Map.of("value", "x")))),
            // a string that does not match the pattern (a Kubernetes quantity)
            "memory 2 GiB",
                edited(
                    p ->
                        container(p)
                            .put("resources", Map.of("requests", Map.of("memory", "2 GiB")))),
            // a map value of the wrong type
            "nodeSelector value a number",
                edited(p -> p.put("nodeSelector", Map.of("nvidia.com/gpu.product", 4))),
            // neither integer nor string (int-or-string)
            "probe port a boolean",
                edited(
                    p ->
                        container(p)
                            .put("readinessProbe", Map.of("httpGet", Map.of("port", true)))),
            // an object where an array belongs
            "containers an object", edited(p -> p.put("containers", Map.of("name", "x"))));
    cases.forEach(
        (what, body) -> assertThat(KServeCrdSchema.violations(body)).as(what).isNotEmpty());
  }

  @Test
  void theFakesApiServer_refusesAnInvalidInferenceService_with422() {
    FakeKServe kserve = new FakeKServe(Duration.ofMillis(10), r -> null);
    try {
      kserve.failOnSchemaViolations = false;
      GenericKubernetesResource bad =
          new io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder()
              .withApiVersion("serving.kserve.io/v1beta1")
              .withKind("InferenceService")
              .withNewMetadata()
              .withName("bad")
              .withNamespace(FakeKServe.NAMESPACE)
              .endMetadata()
              .build();
      bad.setAdditionalProperty(
          "spec",
          Map.of(
              "predictor", Map.of("scaleMetric", "gpu", "model", Map.of("modelFormat", Map.of()))));
      assertThatThrownBy(
              () ->
                  kserve
                      .client
                      .genericKubernetesResources(InferenceServices.ISVC)
                      .inNamespace(FakeKServe.NAMESPACE)
                      .resource(bad)
                      .create())
          .isInstanceOf(KubernetesClientException.class)
          .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422))
          .hasMessageContaining("scaleMetric")
          .hasMessageContaining("name");
      assertThat(kserve.get("bad")).isNull();
      assertThat(kserve.schemaViolations).hasSizeGreaterThanOrEqualTo(2);
    } finally {
      kserve.close();
    }
  }
}
