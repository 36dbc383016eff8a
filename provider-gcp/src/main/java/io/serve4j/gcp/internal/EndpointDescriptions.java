package io.serve4j.gcp.internal;

import static io.serve4j.gcp.internal.VertexCalls.callContext;
import static io.serve4j.gcp.internal.VertexCalls.unary;

import com.google.cloud.aiplatform.v1.DedicatedResources;
import com.google.cloud.aiplatform.v1.DeployedModel;
import com.google.cloud.aiplatform.v1.Endpoint;
import com.google.cloud.aiplatform.v1.GetEndpointRequest;
import com.google.cloud.aiplatform.v1.ListEndpointsRequest;
import com.google.cloud.aiplatform.v1.ListEndpointsResponse;
import com.google.cloud.aiplatform.v1.MachineSpec;
import io.serve4j.DeploymentDescription;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointStatus;
import io.serve4j.ModelSignature;
import io.serve4j.gcp.GcpOptions;
import io.serve4j.spi.CallContext;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Reads Vertex AI endpoints and maps them to {@link EndpointDescription}s: the traffic split, keyed
 * by deployed model ids on Vertex, maps back to deployment names through the deployed models'
 * display names, and the endpoint's {@link Manifest} supplies model names, versions and signatures.
 */
final class EndpointDescriptions {
  private final VertexClients vertex;
  private final VertexNames names;
  private final GcpOptions options;

  EndpointDescriptions(VertexClients vertex, VertexNames names, GcpOptions options) {
    this.vertex = vertex;
    this.names = names;
    this.options = options;
  }

  /** Reads one endpoint by resource name (GetEndpoint). */
  CompletableFuture<Endpoint> read(String resource, CallContext ctx) {
    return unary(
        vertex
            .endpoints
            .getEndpointCallable()
            .futureCall(
                GetEndpointRequest.newBuilder().setName(resource).build(), callContext(ctx)));
  }

  /** Describes one serve4j endpoint. */
  CompletableFuture<EndpointDescription> describe(String endpoint, CallContext ctx) {
    return read(names.endpointName(endpoint), ctx).thenApply(this::describe);
  }

  /** Lists every endpoint of the project and location, page by page. */
  CompletableFuture<List<EndpointDescription>> list(CallContext ctx) {
    return listPage("", new ArrayList<>(), ctx);
  }

  private CompletableFuture<List<EndpointDescription>> listPage(
      String token, List<EndpointDescription> acc, CallContext ctx) {
    return unary(
            vertex
                .endpoints
                .listEndpointsCallable()
                .futureCall(
                    ListEndpointsRequest.newBuilder()
                        .setParent(names.parent())
                        .setPageToken(token)
                        .build(),
                    callContext(ctx)))
        .thenCompose(
            (ListEndpointsResponse r) -> {
              r.getEndpointsList().forEach(e -> acc.add(describe(e)));
              return r.getNextPageToken().isEmpty()
                  ? CompletableFuture.completedFuture(List.copyOf(acc))
                  : listPage(r.getNextPageToken(), acc, ctx);
            });
  }

  /** Maps a Vertex endpoint to its description. */
  EndpointDescription describe(Endpoint e) {
    Manifest manifest = Manifest.parse(e.getDescription()).orElse(null);
    String name =
        e.getDisplayName().isEmpty() ? VertexNames.lastSegment(e.getName()) : e.getDisplayName();
    Map<String, String> idToName = new HashMap<>();
    byDisplayName(e).forEach((n, m) -> idToName.put(m.getId(), n));
    EndpointStatus status =
        e.getDeployedModelsCount() == 0 ? EndpointStatus.CREATING : EndpointStatus.IN_SERVICE;
    EndpointDescription.Builder b =
        EndpointDescription.builder()
            .name(name)
            .status(status)
            .url(
                URI.create(
                    "https://"
                        + options.apiEndpoint().replace(":443", "")
                        + "/v1/"
                        + e.getName()
                        + ":rawPredict"))
            .detail("resourceName", e.getName())
            .detail("protocol", manifest == null ? null : manifest.protocol())
            .detail(
                "dedicatedEndpointDns",
                e.getDedicatedEndpointDns().isEmpty() ? null : e.getDedicatedEndpointDns())
            .detail("network", e.getNetwork().isEmpty() ? null : e.getNetwork())
            .detail(
                "privateServiceConnect",
                e.getPrivateServiceConnectConfig().getEnablePrivateServiceConnect()
                    ? "true"
                    : null);
    Map<String, Integer> traffic = new LinkedHashMap<>();
    e.getTrafficSplitMap()
        .forEach(
            (id, pct) -> {
              String n = idToName.get(id);
              if (n != null && pct > 0) {
                traffic.put(n, pct);
              }
            });
    b.traffic(traffic);
    for (Map.Entry<String, DeployedModel> en : byDisplayName(e).entrySet()) {
      DeployedModel m = en.getValue();
      Manifest.Entry me = manifest == null ? null : manifest.deployments().get(en.getKey());
      DedicatedResources r = m.getDedicatedResources();
      MachineSpec ms = r.getMachineSpec();
      String instanceType =
          ms.getMachineType()
              + (ms.getAcceleratorCount() > 0
                  ? " + " + ms.getAcceleratorCount() + "x " + ms.getAcceleratorType()
                  : "");
      ModelSignature sig = me == null ? null : me.signature();
      b.deployment(
          DeploymentDescription.builder()
              .name(en.getKey())
              .modelName(me != null ? me.model() : VertexNames.lastSegment(m.getModel()))
              .modelVersion(me != null ? me.version() : m.getModelVersionId())
              .status(status)
              .instances(Math.max(1, r.getMinReplicaCount()))
              .instanceType(instanceType)
              .signature(sig)
              .detail("deployedModelId", m.getId())
              .detail("model", m.getModel())
              .detail("maxReplicas", String.valueOf(r.getMaxReplicaCount()))
              .detail(
                  "predictHttpUri",
                  m.getPrivateEndpoints().getPredictHttpUri().isEmpty()
                      ? null
                      : m.getPrivateEndpoints().getPredictHttpUri())
              .build());
    }
    return b.build();
  }

  /** Deployment name to deployed model; the newest wins if a name appears twice mid-update. */
  static Map<String, DeployedModel> byDisplayName(Endpoint e) {
    Map<String, DeployedModel> out = new LinkedHashMap<>();
    for (DeployedModel m : e.getDeployedModelsList()) {
      String n = m.getDisplayName().isEmpty() ? m.getId() : m.getDisplayName();
      out.put(n, m);
    }
    return out;
  }
}
