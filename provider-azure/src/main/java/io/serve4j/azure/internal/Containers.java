package io.serve4j.azure.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.serve4j.ContainerSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.Model;
import io.serve4j.ServingException;
import io.serve4j.azure.AzureProvider;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Bring-your-own containers: a model's own image becomes an Azure ML environment version whose
 * {@code inferenceConfig} (EnvironmentVersion in the 2025-12-01 spec: {@code livenessRoute}, {@code
 * readinessRoute}, {@code scoringRoute}, each a {@code Route} of {@code path} and {@code port})
 * comes from the model's {@link ContainerSpec}. Azure ML documents no default routes for a custom
 * image, so the port, predict route and health route are required; Azure ML has no entrypoint
 * override for an online deployment, so a command or arguments are refused.
 */
final class Containers {
  /** The spec's pattern of {@code Route.path}: at least one letter, digit or '_'. */
  private static final Pattern ROUTE_PATH = Pattern.compile("[a-zA-Z0-9_]");

  private Containers() {}

  /**
   * Refuses, before any call, a container this provider cannot describe to Azure ML.
   *
   * @param m the model
   * @throws ServingException INVALID_INPUT naming the part to supply or drop
   */
  static void check(Model m) {
    ContainerSpec c = m.container().orElse(null);
    if (m.image().isEmpty()) {
      if (c != null && !c.isEmpty()) {
        throw invalid(
            "model '"
                + m.name()
                + "' has a ContainerSpec but no image: Azure ML serves ONNX models on its own"
                + " Triton server and other formats in AzureOptions.environment, whose routes"
                + " Azure sets; give the model its image (Model.image) or drop the ContainerSpec");
      }
      return;
    }
    if (c == null
        || c.port().isEmpty()
        || c.predictRoute().isEmpty()
        || c.healthRoute().isEmpty()) {
      throw invalid(
          "model '"
              + m.name()
              + "' runs in its own image "
              + m.image().get()
              + ": Azure ML needs the container's routes (inferenceConfig), so give it a"
              + " ContainerSpec with port, predictRoute and healthRoute (readinessRoute defaults to"
              + " healthRoute)");
    }
    if (!c.command().isEmpty() || !c.args().isEmpty()) {
      throw invalid(
          "model '"
              + m.name()
              + "': Azure ML online deployments run the image's own entrypoint; ContainerSpec"
              + " command and args cannot be set on Azure (bake them into the image)");
    }
    for (String route :
        new String[] {
          c.predictRoute().get(), c.healthRoute().get(), c.readinessRoute().orElse("/x")
        }) {
      if (!ROUTE_PATH.matcher(route).find()) {
        throw invalid(
            "model '"
                + m.name()
                + "': Azure ML's Route.path must contain a letter, digit or '_', was '"
                + route
                + "'");
      }
    }
  }

  /**
   * The {@code EnvironmentVersions_CreateOrUpdate} body of a model's own image and routes.
   *
   * @param m a model that passed {@link #check}
   * @return the body
   */
  static ObjectNode environment(Model m) {
    ContainerSpec c = m.container().orElseThrow();
    int port = c.port().getAsInt();
    ObjectNode body = Rest.JSON.createObjectNode();
    ObjectNode p = body.putObject("properties");
    p.put("image", m.image().get());
    p.put("osType", "Linux");
    p.put("description", "image of serve4j model " + m.name());
    ObjectNode inference = p.putObject("inferenceConfig");
    route(inference, "livenessRoute", c.healthRoute().get(), port);
    route(inference, "readinessRoute", c.readinessRoute().orElse(c.healthRoute().get()), port);
    route(inference, "scoringRoute", c.predictRoute().get(), port);
    return body;
  }

  private static void route(ObjectNode inference, String name, String path, int port) {
    ObjectNode r = inference.putObject(name);
    r.put("path", path);
    r.put("port", port);
  }

  /**
   * The environment version: the model's version and a digest of the body. Environment versions are
   * immutable ({@code image} and {@code inferenceConfig} are create-only), so another image or
   * other routes make another version rather than an update Azure would refuse.
   *
   * @param m the model
   * @param body its environment body
   * @return the version
   */
  static String environmentVersion(Model m, ObjectNode body) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(body.toString().getBytes(StandardCharsets.UTF_8));
      return m.version() + "-" + HexFormat.of().formatHex(digest).substring(0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ServingException invalid(String message) {
    return ServingException.builder(ErrorCategory.INVALID_INPUT)
        .providerId(AzureProvider.ID)
        .message(message)
        .build();
  }
}
