package io.serve4j.gcp.internal;

import com.google.cloud.aiplatform.v1.EnvVar;
import com.google.cloud.aiplatform.v1.ModelContainerSpec;
import com.google.cloud.aiplatform.v1.Port;
import io.serve4j.ContainerSpec;
import io.serve4j.DeviceKind;
import io.serve4j.ErrorCategory;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.ServingException;
import io.serve4j.gcp.GcpOptions;
import io.serve4j.gcp.GcpProvider;
import java.util.Optional;

/**
 * Decides the serving container of a model on Vertex AI, and refuses, before any call, what Vertex
 * AI could not run:
 *
 * <ul>
 *   <li>ONNX is served by NVIDIA Triton from {@link GcpOptions#tritonImage()}: Vertex AI documents
 *       no Triton image of its own
 *       (https://cloud.google.com/vertex-ai/docs/predictions/using-nvidia-triton uses NVIDIA's NGC
 *       image, to be pushed to Artifact Registry), so without that option the deployment is refused
 *       naming it. Triton runs on CPUs and NVIDIA GPUs, never TPUs.
 *   <li>Prebuilt images come from {@link ServingImages}, in the multi-region repository nearest the
 *       location; their artifacts must have the file names the containers read ({@link
 *       Staging#servedName(Model)}).
 *   <li>A {@code Model.image(...)} container gets the portable {@link ContainerSpec}: ports,
 *       predict and health routes, command and args
 *       (https://cloud.google.com/vertex-ai/docs/predictions/use-custom-container).
 *   <li>Every image must be in Artifact Registry or Container Registry
 *       (https://cloud.google.com/vertex-ai/docs/reference/rest/v1/ModelContainerSpec: "This URI
 *       must identify an image in Artifact Registry").
 * </ul>
 */
final class ServingContainers {
  /** The HTTP port Triton listens on (Triton's default). */
  static final int TRITON_PORT = 8000;

  private final GcpOptions options;

  ServingContainers(GcpOptions options) {
    this.options = options;
  }

  /** Whether a model is served by Triton (ONNX without an image of its own). */
  static boolean triton(Model model) {
    return model.format() == ModelFormat.ONNX && model.image().isEmpty();
  }

  /**
   * Returns the container spec a model is uploaded with, or throws the typed refusal.
   *
   * @param model the model
   * @param kind the hardware it is deployed on
   * @param what "deployment 'x'" or "batch job 'y'", for messages
   */
  ModelContainerSpec containerSpec(Model model, DeviceKind kind, String what) {
    ModelContainerSpec.Builder c = ModelContainerSpec.newBuilder();
    model.environment().forEach((k, v) -> c.addEnv(EnvVar.newBuilder().setName(k).setValue(v)));
    Optional<ContainerSpec> portable = model.container().filter(s -> !s.isEmpty());
    if (triton(model)) {
      if (portable.isPresent()) {
        throw invalid(
            what
                + ": Model.container(...) describes a Model.image(...) container; ONNX models run"
                + " on Triton with serve4j's port and routes");
      }
      if (kind == DeviceKind.TPU) {
        throw unsupported(
            what
                + ": ONNX models are served by NVIDIA Triton, which runs on CPUs and NVIDIA GPUs,"
                + " not TPUs. Deploy on Accelerator.cpu() or a GPU; or, for a TPU, export a"
                + " TensorFlow SavedModel (Vertex AI's optimized TensorFlow runtime serves it on"
                + " TPU v5e) or give Model.image(...) a container that serves the model on TPUs"
                + " (https://cloud.google.com/vertex-ai/docs/predictions/use-tpu)");
      }
      String image =
          options
              .tritonImage()
              .orElseThrow(
                  () ->
                      invalid(
                          what
                              + ": set GcpOptions.tritonImage(...) to serve ONNX on Vertex AI. Vertex"
                              + " AI has no Triton image of its own in "
                              + options.location()
                              + " or elsewhere: its Triton guide uses NVIDIA's NGC image"
                              + " (nvcr.io/nvidia/tritonserver:<tag>-py3), which Vertex AI cannot"
                              + " pull; push it to Artifact Registry and name that copy"
                              + " (https://cloud.google.com/vertex-ai/docs/predictions/using-nvidia-triton)"));
      checkRegistry(image, what, "GcpOptions.tritonImage");
      String name = model.name();
      return c.setImageUri(image)
          .addCommand("tritonserver")
          .addArgs("--model-repository=$(AIP_STORAGE_URI)")
          .addArgs("--vertex-ai-default-model=" + name)
          .setPredictRoute("/v2/models/" + name + "/infer")
          .setHealthRoute("/v2/health/ready")
          .addPorts(Port.newBuilder().setContainerPort(TRITON_PORT))
          .build();
    }
    if (model.image().isPresent()) {
      String image = model.image().get();
      checkRegistry(image, what, "Model.image");
      portable.ifPresent(s -> apply(s, c, what));
      return c.setImageUri(image).build();
    }
    if (portable.isPresent()) {
      throw invalid(
          what
              + ": Model.container(...) describes a Model.image(...) container; Vertex AI's"
              + " prebuilt "
              + model.format()
              + " container has its own port and routes");
    }
    Optional<ServingImages.Row> row = ServingImages.standard().find(model.format(), kind);
    if (row.isEmpty() && kind == DeviceKind.TPU) {
      throw unsupported(
          what
              + ": Vertex AI serves TPUs with its optimized TensorFlow runtime"
              + " (TENSORFLOW_SAVED_MODEL), its PyTorch TPU container, or a custom container that"
              + " supports TPUs; no prebuilt container serves "
              + model.format()
              + " on a TPU. Deploy on Accelerator.cpu() or a GPU, or give Model.image(...) a"
              + " TPU-capable container (https://cloud.google.com/vertex-ai/docs/predictions/use-tpu)");
    }
    if (row.isEmpty()) {
      throw invalid(
          what
              + ": Vertex AI has no prebuilt container for "
              + model.format()
              + " on "
              + kind
              + " (https://cloud.google.com/vertex-ai/docs/predictions/pre-built-containers);"
              + " give Model.image(...)");
    }
    Staging.servedName(model, what);
    return c.setImageUri(row.get().imageFor(options.location())).build();
  }

  private static void apply(ContainerSpec s, ModelContainerSpec.Builder c, String what) {
    s.port().ifPresent(p -> c.addPorts(Port.newBuilder().setContainerPort(p)));
    s.predictRoute().ifPresent(c::setPredictRoute);
    // Vertex AI has one health route, a readiness check (liveness is a TCP probe on the port).
    Optional<String> health = s.healthRoute().or(s::readinessRoute);
    if (s.healthRoute().isPresent()
        && s.readinessRoute().isPresent()
        && !s.healthRoute().equals(s.readinessRoute())) {
      throw invalid(
          what
              + ": Vertex AI has one health route, probed for readiness (liveness is a TCP check on"
              + " the port); set healthRoute or readinessRoute, or both to the same path"
              + " (https://cloud.google.com/vertex-ai/docs/predictions/custom-container-requirements)");
    }
    health.ifPresent(c::setHealthRoute);
    c.addAllCommand(s.command()).addAllArgs(s.args());
  }

  /**
   * Refuses an image Vertex AI cannot pull: it must be in Artifact Registry ({@code
   * LOCATION-docker.pkg.dev}) or Container Registry ({@code gcr.io}).
   */
  static void checkRegistry(String image, String what, String option) {
    int slash = image.indexOf('/');
    String host = slash < 0 ? "" : image.substring(0, slash);
    if (!(host.endsWith("-docker.pkg.dev") || host.equals("gcr.io") || host.endsWith(".gcr.io"))) {
      throw invalid(
          what
              + ": "
              + option
              + " '"
              + image
              + "' is not in Artifact Registry (LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE)"
              + " or Container Registry (gcr.io); Vertex AI pulls serving containers only from"
              + " there: push the image to Artifact Registry"
              + " (https://cloud.google.com/vertex-ai/docs/reference/rest/v1/ModelContainerSpec)");
    }
  }

  static ServingException invalid(String message) {
    return ServingException.builder(ErrorCategory.INVALID_INPUT)
        .providerId(GcpProvider.ID)
        .message(message)
        .build();
  }

  static ServingException unsupported(String message) {
    return ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY)
        .providerId(GcpProvider.ID)
        .message(message)
        .build();
  }
}
