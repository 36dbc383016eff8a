package io.serve4j.gcp.internal;

import static io.serve4j.gcp.internal.VertexNames.invalid;

import com.google.cloud.aiplatform.v1.AcceleratorType;
import com.google.cloud.aiplatform.v1.AutoscalingMetricSpec;
import com.google.cloud.aiplatform.v1.DedicatedResources;
import com.google.cloud.aiplatform.v1.DeployedModel;
import com.google.cloud.aiplatform.v1.MachineSpec;
import io.serve4j.Accelerator;
import io.serve4j.AcceleratorResolution;
import io.serve4j.DeploymentSpec;
import io.serve4j.DeviceKind;
import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.ModelFormat;
import io.serve4j.Scaling;
import io.serve4j.ScalingMetric;
import io.serve4j.ServingException;
import io.serve4j.gcp.GcpOptions;
import io.serve4j.gcp.GcpProvider;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns deployment specs into Vertex AI deployed models before anything is sent: hardware (machine
 * type and accelerators), replicas and autoscaling metrics, and the one request protocol an
 * endpoint's containers share.
 */
final class DeploymentPlans {
  private static final Map<ScalingMetric, String> METRICS =
      Map.of(
          ScalingMetric.CPU_UTILIZATION,
          "aiplatform.googleapis.com/prediction/online/cpu/utilization",
          ScalingMetric.GPU_UTILIZATION,
          "aiplatform.googleapis.com/prediction/online/accelerator/duty_cycle",
          ScalingMetric.INVOCATIONS_PER_INSTANCE,
          "aiplatform.googleapis.com/prediction/online/request_count");

  private final GcpOptions options;
  private final ServingContainers containers;

  DeploymentPlans(GcpOptions options) {
    this.options = options;
    this.containers = new ServingContainers(options);
  }

  /** Resolves hardware and scaling of every deployment; deployment name to deployed model. */
  Map<String, DeployedModel.Builder> plan(EndpointSpec spec) {
    Map<String, DeployedModel.Builder> out = new LinkedHashMap<>();
    if (options.network().isPresent() && spec.deployments().size() > 1) {
      // https://cloud.google.com/vertex-ai/docs/predictions/using-private-endpoints
      throw invalid(
          "endpoint '"
              + spec.name()
              + "': a private services access endpoint (GcpOptions.network) serves one model;"
              + " Vertex AI splits traffic only on public endpoints. Use one endpoint per"
              + " deployment");
    }
    for (DeploymentSpec d : spec.deployments()) {
      String what = "deployment '" + d.name() + "'";
      AcceleratorResolution hw = resolve(d.accelerator(), what);
      // The container (image, routes, artifact names, TPU fit) is decided now, before any call.
      containers.containerSpec(d.model(), d.accelerator().kind(), what);
      Scaling s = d.scaling();
      if (s.minInstances() < 1) {
        throw invalid(
            what + ": Vertex AI keeps at least one replica; minimum instances must be >= 1");
      }
      if (d.batching().isPresent() && d.model().format() != ModelFormat.ONNX) {
        throw invalid(
            what
                + ": dynamic batching is set in Triton's config.pbtxt, so only ONNX models have"
                + " it on Vertex AI");
      }
      DedicatedResources.Builder r =
          DedicatedResources.newBuilder()
              .setMachineSpec(machineSpec(hw, d.accelerator().kind()))
              .setMinReplicaCount(s.minInstances())
              .setMaxReplicaCount(s.maxInstances());
      s.metric()
          .ifPresent(
              m ->
                  r.addAutoscalingMetricSpecs(
                      AutoscalingMetricSpec.newBuilder()
                          .setMetricName(METRICS.get(m))
                          .setTarget((int) Math.max(1, Math.round(s.target())))));
      DeployedModel.Builder dm =
          DeployedModel.newBuilder().setDisplayName(d.name()).setDedicatedResources(r);
      options.serviceAccount().ifPresent(dm::setServiceAccount);
      out.put(d.name(), dm);
    }
    return out;
  }

  /**
   * The protocol of an endpoint: {@link Manifest#OIP} for Triton and custom containers, {@link
   * Manifest#PREDICT} for prebuilt ones; refuses a mix.
   */
  static String protocolOf(EndpointSpec spec) {
    String protocol = null;
    for (DeploymentSpec d : spec.deployments()) {
      String p =
          d.model().format() == ModelFormat.ONNX && d.model().image().isEmpty()
              ? Manifest.OIP
              : d.model().format() == ModelFormat.CUSTOM_CONTAINER
                  ? Manifest.OIP
                  : Manifest.PREDICT;
      if (protocol != null && !protocol.equals(p)) {
        throw invalid(
            "endpoint '"
                + spec.name()
                + "' mixes Triton (Open Inference Protocol) and prebuilt (instances) containers;"
                + " Vertex AI sends one request body to all of them: use two endpoints");
      }
      protocol = p;
    }
    return protocol;
  }

  static AcceleratorResolution resolve(Accelerator a, String what) {
    try {
      return GcpOfferings.resolve(a);
    } catch (ServingException e) {
      throw e.toBuilder().message(what + ": " + e.getMessage()).build();
    }
  }

  static MachineSpec machineSpec(AcceleratorResolution hw, DeviceKind kind) {
    MachineSpec.Builder m = MachineSpec.newBuilder().setMachineType(hw.sku());
    // TPU machine types (ct5lp-hightpu-*) carry their chips; GPUs are attached by type and count.
    if (kind == DeviceKind.GPU && hw.acceleratorType().isPresent()) {
      AcceleratorType type;
      try {
        type = AcceleratorType.valueOf(hw.acceleratorType().get());
      } catch (IllegalArgumentException e) {
        throw ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY)
            .providerId(GcpProvider.ID)
            .message(
                "this Vertex AI client does not know accelerator type "
                    + hw.acceleratorType().get())
            .build();
      }
      m.setAcceleratorType(type).setAcceleratorCount(hw.acceleratorCount());
    }
    return m.build();
  }
}
