package io.serve4j.gcp.internal;

import static io.serve4j.gcp.internal.VertexCalls.callContext;
import static io.serve4j.gcp.internal.VertexCalls.sequence;
import static io.serve4j.gcp.internal.VertexCalls.unary;

import com.google.cloud.aiplatform.v1.CreateEndpointRequest;
import com.google.cloud.aiplatform.v1.DedicatedResources;
import com.google.cloud.aiplatform.v1.DeleteEndpointRequest;
import com.google.cloud.aiplatform.v1.DeployModelRequest;
import com.google.cloud.aiplatform.v1.DeployedModel;
import com.google.cloud.aiplatform.v1.MutateDeployedModelRequest;
import com.google.cloud.aiplatform.v1.UndeployModelRequest;
import com.google.cloud.aiplatform.v1.UpdateEndpointRequest;
import com.google.protobuf.FieldMask;
import io.serve4j.DeploymentSpec;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.Mirror;
import io.serve4j.ServingException;
import io.serve4j.gcp.GcpOptions;
import io.serve4j.gcp.GcpProvider;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.EndpointLifecycle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The lifecycle of Vertex AI endpoints: create the endpoint, upload models ({@link ModelRegistry})
 * and deploy them one after the other, set the traffic split and the {@link Manifest}, update
 * (deploy new, shift traffic, undeploy old, mutate replicas), and drain and delete. Describe and
 * list are {@link EndpointDescriptions}'.
 */
final class VertexEndpoints implements EndpointLifecycle {
  private final VertexClients vertex;
  private final VertexNames names;
  private final VertexOperations operations;
  private final EndpointDescriptions descriptions;
  private final ModelRegistry models;
  private final DeploymentPlans plans;
  private final GcpOptions options;

  VertexEndpoints(
      VertexClients vertex,
      VertexNames names,
      VertexOperations operations,
      EndpointDescriptions descriptions,
      ModelRegistry models,
      DeploymentPlans plans,
      GcpOptions options) {
    this.vertex = vertex;
    this.names = names;
    this.operations = operations;
    this.descriptions = descriptions;
    this.models = models;
    this.plans = plans;
    this.options = options;
  }

  @Override
  public CompletableFuture<EndpointDescription> createEndpoint(EndpointSpec spec, CallContext ctx) {
    Rollback rollback = new Rollback(ctx);
    return GcpErrors.WIRE.call(
        "createEndpoint",
        () -> {
          String protocol = DeploymentPlans.protocolOf(spec);
          Map<String, DeployedModel.Builder> planned = plans.plan(spec);
          Manifest manifest = Manifest.of(spec, protocol);
          String resource = names.endpointName(spec.name());
          CreateEndpointRequest.Builder req =
              CreateEndpointRequest.newBuilder()
                  .setParent(names.parent())
                  .setEndpointId(VertexNames.endpointId(spec.name()))
                  .setEndpoint(
                      com.google.cloud.aiplatform.v1.Endpoint.newBuilder()
                          .setDisplayName(spec.name())
                          .setDescription(manifest.toJson())
                          .putAllLabels(VertexNames.labels(spec.tags()))
                          .putLabels(VertexNames.MANAGED_LABEL, "true")
                          .setNetwork(options.network().orElse("")));
          CallContext steady = rollback.context();
          return rollback.run(
              () -> {
                rollback.check();
                ctx.progress("creating Vertex AI endpoint " + resource, -1);
                return operations
                    .await(
                        vertex.endpoints.createEndpointOperationCallable().futureCall(req.build()),
                        steady,
                        "create endpoint " + spec.name())
                    .thenCompose(
                        created -> {
                          // Undone last (after undeploys): the endpoint with what is on it.
                          rollback.onFailure(c -> drainAndDelete(resource, c, false));
                          return deployAll(
                              resource, planned, List.of(), rollback, spec.deployments());
                        })
                    .thenCompose(
                        ids -> {
                          rollback.check();
                          return setTraffic(resource, spec.traffic(), ids, manifest, steady);
                        })
                    .thenApply(descriptions::describe);
              });
        });
  }

  @Override
  public CompletableFuture<EndpointDescription> updateEndpoint(EndpointSpec spec, CallContext ctx) {
    Rollback rollback = new Rollback(ctx);
    CallContext steady = rollback.context();
    return GcpErrors.WIRE.call(
        "updateEndpoint",
        () -> {
          String protocol = DeploymentPlans.protocolOf(spec);
          Map<String, DeployedModel.Builder> planned = plans.plan(spec);
          Manifest manifest = Manifest.of(spec, protocol);
          String resource = names.endpointName(spec.name());
          return rollback.run(
              () ->
                  descriptions
                      .read(resource, steady)
                      .thenCompose(
                          current -> {
                            Manifest old = Manifest.parse(current.getDescription()).orElse(null);
                            Map<String, DeployedModel> byName =
                                EndpointDescriptions.byDisplayName(current);
                            List<DeployedModel> toUndeploy = new ArrayList<>();
                            Map<String, DeployedModel.Builder> toDeploy = new LinkedHashMap<>();
                            List<DeployedModel> toMutate = new ArrayList<>();
                            Map<String, String> keep = new LinkedHashMap<>();
                            for (DeploymentSpec d : spec.deployments()) {
                              DeployedModel existing = byName.get(d.name());
                              String oldPrint =
                                  old == null || !old.deployments().containsKey(d.name())
                                      ? null
                                      : old.deployments().get(d.name()).fingerprint();
                              if (existing == null) {
                                toDeploy.put(d.name(), planned.get(d.name()));
                              } else if (!Manifest.fingerprint(d).equals(oldPrint)) {
                                toDeploy.put(d.name(), planned.get(d.name()));
                                toUndeploy.add(existing);
                              } else {
                                keep.put(d.name(), existing.getId());
                                DedicatedResources want =
                                    planned.get(d.name()).getDedicatedResources();
                                DedicatedResources have = existing.getDedicatedResources();
                                if (want.getMinReplicaCount() != have.getMinReplicaCount()
                                    || want.getMaxReplicaCount() != have.getMaxReplicaCount()
                                    || !want.getAutoscalingMetricSpecsList()
                                        .equals(have.getAutoscalingMetricSpecsList())) {
                                  toMutate.add(
                                      existing.toBuilder()
                                          .setDedicatedResources(
                                              have.toBuilder()
                                                  .setMinReplicaCount(want.getMinReplicaCount())
                                                  .setMaxReplicaCount(want.getMaxReplicaCount())
                                                  .clearAutoscalingMetricSpecs()
                                                  .addAllAutoscalingMetricSpecs(
                                                      want.getAutoscalingMetricSpecsList()))
                                          .build());
                                }
                              }
                            }
                            for (DeployedModel m : current.getDeployedModelsList()) {
                              if (spec.deployment(m.getDisplayName()).isEmpty()) {
                                toUndeploy.add(m);
                              }
                            }
                            List<DeploymentSpec> newOnes =
                                spec.deployments().stream()
                                    .filter(d -> toDeploy.containsKey(d.name()))
                                    .toList();
                            // Reversible steps first (deploy new, shift traffic, resize);
                            // undeploying the
                            // replaced deployments comes last.
                            return deployAll(
                                    resource,
                                    toDeploy,
                                    current.getDeployedModelsList(),
                                    rollback,
                                    newOnes)
                                .thenCompose(
                                    ids -> {
                                      rollback.check();
                                      Map<String, String> all = new LinkedHashMap<>(keep);
                                      all.putAll(ids);
                                      rollback.onFailure(c -> restoreTraffic(current, c));
                                      return setTraffic(
                                          resource, spec.traffic(), all, manifest, steady);
                                    })
                                .thenCompose(
                                    v ->
                                        sequence(
                                            toMutate,
                                            m -> {
                                              rollback.check();
                                              DeployedModel was =
                                                  EndpointDescriptions.byDisplayName(current)
                                                      .get(m.getDisplayName());
                                              return mutate(resource, m, steady)
                                                  .thenApply(
                                                      r -> {
                                                        rollback.onFailure(
                                                            c -> mutate(resource, was, c));
                                                        return r;
                                                      });
                                            }))
                                .thenCompose(
                                    v ->
                                        sequence(
                                            toUndeploy,
                                            m -> {
                                              rollback.check();
                                              return undeploy(resource, m.getId(), null, steady);
                                            }))
                                .thenCompose(v -> descriptions.read(resource, steady))
                                .thenApply(descriptions::describe);
                          }));
        });
  }

  private CompletableFuture<?> mutate(String resource, DeployedModel m, CallContext ctx) {
    return operations.await(
        vertex
            .endpoints
            .mutateDeployedModelOperationCallable()
            .futureCall(
                MutateDeployedModelRequest.newBuilder()
                    .setEndpoint(resource)
                    .setDeployedModel(m)
                    .setUpdateMask(
                        FieldMask.newBuilder()
                            .addPaths("dedicated_resources.min_replica_count")
                            .addPaths("dedicated_resources.max_replica_count")
                            .addPaths("dedicated_resources.autoscaling_metric_specs"))
                    .build()),
        ctx,
        "update deployment " + m.getDisplayName());
  }

  /** Puts back an endpoint's traffic split and manifest as they were. */
  private CompletableFuture<?> restoreTraffic(
      com.google.cloud.aiplatform.v1.Endpoint was, CallContext ctx) {
    return unary(
        vertex
            .endpoints
            .updateEndpointCallable()
            .futureCall(
                UpdateEndpointRequest.newBuilder()
                    .setEndpoint(
                        com.google.cloud.aiplatform.v1.Endpoint.newBuilder()
                            .setName(was.getName())
                            .putAllTrafficSplit(was.getTrafficSplitMap())
                            .setDescription(was.getDescription()))
                    .setUpdateMask(
                        FieldMask.newBuilder().addPaths("traffic_split").addPaths("description"))
                    .build(),
                callContext(ctx)));
  }

  @Override
  public CompletableFuture<EndpointDescription> updateTraffic(
      String endpoint, Map<String, Integer> traffic, Mirror mirror, CallContext ctx) {
    return GcpErrors.WIRE.call(
        "updateTraffic",
        () -> {
          if (mirror != null) {
            throw ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY)
                .providerId(GcpProvider.ID)
                .message("Vertex AI has no shadow traffic (SHADOW)")
                .build();
          }
          String resource = names.endpointName(endpoint);
          return descriptions
              .read(resource, ctx)
              .thenCompose(
                  current -> {
                    Map<String, String> ids = new LinkedHashMap<>();
                    EndpointDescriptions.byDisplayName(current)
                        .forEach((n, m) -> ids.put(n, m.getId()));
                    return setTraffic(resource, traffic, ids, null, ctx);
                  })
              .thenApply(descriptions::describe);
        });
  }

  @Override
  public CompletableFuture<Void> deleteEndpoint(String endpoint, CallContext ctx) {
    return GcpErrors.WIRE.call(
        "deleteEndpoint", () -> drainAndDelete(names.endpointName(endpoint), ctx, true));
  }

  /**
   * Clears the traffic, undeploys every deployed model and deletes the endpoint; with {@code
   * releaseModels}, then deletes the serve4j-managed model versions it ran that nothing else runs.
   */
  private CompletableFuture<Void> drainAndDelete(
      String resource, CallContext ctx, boolean releaseModels) {
    return descriptions
        .read(resource, ctx)
        .thenCompose(
            current -> {
              CompletableFuture<?> drained =
                  current.getDeployedModelsCount() == 0
                      ? CompletableFuture.completedFuture(null)
                      : unary(
                              vertex
                                  .endpoints
                                  .updateEndpointCallable()
                                  .futureCall(
                                      UpdateEndpointRequest.newBuilder()
                                          .setEndpoint(current.toBuilder().clearTrafficSplit())
                                          .setUpdateMask(
                                              FieldMask.newBuilder().addPaths("traffic_split"))
                                          .build(),
                                      callContext(ctx)))
                          .thenCompose(
                              e ->
                                  sequence(
                                      current.getDeployedModelsList(),
                                      m -> undeploy(resource, m.getId(), null, ctx)));
              return drained
                  .thenCompose(
                      v ->
                          operations.await(
                              vertex
                                  .endpoints
                                  .deleteEndpointOperationCallable()
                                  .futureCall(
                                      DeleteEndpointRequest.newBuilder().setName(resource).build()),
                              ctx,
                              "delete endpoint " + VertexNames.lastSegment(resource)))
                  .thenCompose(
                      v ->
                          releaseModels
                              ? sequence(
                                  current.getDeployedModelsList().stream()
                                      .map(DeployedModel::getModel)
                                      .distinct()
                                      .toList(),
                                  ref -> models.release(ref, ctx))
                              : CompletableFuture.completedFuture(null));
            })
        .thenApply(empty -> (Void) null);
  }

  /**
   * Deploys one after the other (Vertex AI runs one deploy per endpoint at a time); each deployed
   * model is undeployed again if the operation fails or is cancelled later.
   */
  private CompletableFuture<Map<String, String>> deployAll(
      String resource,
      Map<String, DeployedModel.Builder> planned,
      List<DeployedModel> existing,
      Rollback rollback,
      List<DeploymentSpec> which) {
    CallContext ctx = rollback.context();
    Map<String, String> ids = new LinkedHashMap<>();
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    boolean[] first = {existing.isEmpty()};
    for (DeploymentSpec d : which) {
      chain =
          chain.thenCompose(
              v -> {
                rollback.check();
                return models
                    .ensure(d, rollback)
                    .thenCompose(
                        model -> {
                          rollback.check();
                          DeployModelRequest.Builder req =
                              DeployModelRequest.newBuilder()
                                  .setEndpoint(resource)
                                  .setDeployedModel(
                                      planned.get(d.name()).clone().setModel(model.ref()));
                          if (first[0]) {
                            req.putTrafficSplit("0", 100); // the first model takes the traffic
                            first[0] = false;
                          }
                          ctx.progress("deploying " + d.name() + " to " + resource, -1);
                          return operations.await(
                              vertex
                                  .endpoints
                                  .deployModelOperationCallable()
                                  .futureCall(req.build()),
                              ctx,
                              "deploy " + d.name());
                        })
                    .thenAccept(
                        r -> {
                          String id = r.getDeployedModel().getId();
                          ids.put(d.name(), id);
                          rollback.onFailure(c -> undeploy(resource, id, null, c));
                        });
              });
    }
    return chain.thenApply(v -> ids);
  }

  private CompletableFuture<com.google.cloud.aiplatform.v1.Endpoint> setTraffic(
      String resource,
      Map<String, Integer> traffic,
      Map<String, String> ids,
      Manifest manifest,
      CallContext ctx) {
    com.google.cloud.aiplatform.v1.Endpoint.Builder e =
        com.google.cloud.aiplatform.v1.Endpoint.newBuilder().setName(resource);
    FieldMask.Builder mask = FieldMask.newBuilder().addPaths("traffic_split");
    for (Map.Entry<String, Integer> t : traffic.entrySet()) {
      String id = ids.get(t.getKey());
      if (id == null) {
        throw VertexNames.invalid("deployment '" + t.getKey() + "' is not deployed on " + resource);
      }
      if (t.getValue() > 0) {
        e.putTrafficSplit(id, t.getValue());
      }
    }
    if (manifest != null) {
      e.setDescription(manifest.toJson());
      mask.addPaths("description");
    }
    return unary(
        vertex
            .endpoints
            .updateEndpointCallable()
            .futureCall(
                UpdateEndpointRequest.newBuilder().setEndpoint(e).setUpdateMask(mask).build(),
                callContext(ctx)));
  }

  private CompletableFuture<Object> undeploy(
      String resource, String deployedModelId, Map<String, Integer> traffic, CallContext ctx) {
    UndeployModelRequest.Builder req =
        UndeployModelRequest.newBuilder().setEndpoint(resource).setDeployedModelId(deployedModelId);
    if (traffic != null) {
      req.putAllTrafficSplit(traffic);
    }
    return operations
        .await(
            vertex.endpoints.undeployModelOperationCallable().futureCall(req.build()),
            ctx,
            "undeploy " + deployedModelId)
        .thenApply(r -> r);
  }

  @Override
  public CompletableFuture<EndpointDescription> describeEndpoint(String endpoint, CallContext ctx) {
    return GcpErrors.WIRE.call("describeEndpoint", () -> descriptions.describe(endpoint, ctx));
  }

  @Override
  public CompletableFuture<List<EndpointDescription>> listEndpoints(CallContext ctx) {
    return GcpErrors.WIRE.call("listEndpoints", () -> descriptions.list(ctx));
  }
}
