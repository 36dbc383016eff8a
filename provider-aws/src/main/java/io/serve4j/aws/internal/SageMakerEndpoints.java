package io.serve4j.aws.internal;

import static io.serve4j.aws.internal.AwsCalls.checkCancelled;
import static io.serve4j.aws.internal.AwsCalls.timeout;

import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.Mirror;
import io.serve4j.aws.AwsOptions;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.EndpointLifecycle;
import io.serve4j.spi.Polling;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.services.sagemaker.SageMakerAsyncClient;
import software.amazon.awssdk.services.sagemaker.model.DescribeEndpointConfigResponse;
import software.amazon.awssdk.services.sagemaker.model.DesiredWeightAndCapacity;
import software.amazon.awssdk.services.sagemaker.model.ProductionVariant;

/**
 * The endpoint lifecycle on SageMaker: create, update, traffic and delete, each a chain of
 * SageMaker and Application Auto Scaling calls waited on with {@link Polling}; describe and list
 * are {@link EndpointDescriptions}.
 */
public final class SageMakerEndpoints implements EndpointLifecycle {
  private final SageMakerModels models;
  private final EndpointConfigs configs;
  private final EndpointScaling scaling;
  private final EndpointDescriptions descriptions;
  private final AwsOptions options;
  private final SageMakerAsyncClient sm;
  private final SageMakerAsyncClient smOnce;
  private final AwsClients clients;

  /**
   * Creates the part over the session's clients.
   *
   * @param clients the SDK clients
   * @param models the models part
   */
  public SageMakerEndpoints(AwsClients clients, SageMakerModels models) {
    this.clients = clients;
    this.options = clients.options;
    this.sm = clients.sm;
    this.smOnce = clients.smOnce;
    this.models = models;
    this.configs = new EndpointConfigs(clients, models);
    this.scaling = new EndpointScaling(clients);
    this.descriptions = new EndpointDescriptions(clients);
  }

  @Override
  public CompletableFuture<EndpointDescription> createEndpoint(EndpointSpec spec, CallContext ctx) {
    EndpointPlan plan;
    try {
      plan = EndpointPlan.of(spec, models);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    String name = spec.name();
    List<String> madeModels = new ArrayList<>();
    AtomicBoolean madeConfig = new AtomicBoolean();
    ctx.progress("checking that endpoint " + name + " is free", 0.0);
    CompletableFuture<Void> created =
        descriptions
            .describeRaw(name, ctx)
            .handle(
                (d, e) -> {
                  if (e == null) {
                    throw AwsErrors.error(
                        ErrorCategory.CONFLICT,
                        "endpoint '"
                            + name
                            + "' already exists ("
                            + d.endpointStatusAsString()
                            + ")");
                  }
                  if (!AwsErrors.isNotFound(e)) {
                    throw AwsErrors.map("DescribeEndpoint", e);
                  }
                  return (Void) null;
                })
            .thenCompose(x -> models.createModels(plan, madeModels, ctx))
            .thenCompose(x -> configs.create(plan, ctx))
            .thenCompose(
                x -> {
                  madeConfig.set(true);
                  checkCancelled(ctx);
                  ctx.progress("creating endpoint " + name, 0.3);
                  return AwsErrors.WIRE.call(
                      "CreateEndpoint " + name,
                      () ->
                          sm.createEndpoint(
                              r ->
                                  r.endpointName(name)
                                      .endpointConfigName(plan.configName())
                                      .tags(clients.tags(spec.tags()))
                                      .overrideConfiguration(timeout(ctx))));
                })
            .handle(
                (r, e) -> {
                  if (e != null) {
                    configs.cleanUp(madeConfig.get() ? plan.configName() : null, madeModels);
                    throw AwsErrors.map("CreateEndpoint " + name, e);
                  }
                  return (Void) null;
                });
    // Once the endpoint exists, a cancel deletes it with its config and models. The work is
    // returned through one more stage: cancelling the returned future must not complete the stage
    // that runs the clean-up before it ran (a cancelled dependent never runs its function).
    CompletableFuture<EndpointDescription> work =
        created.thenCompose(
            x ->
                descriptions
                    .awaitStable(name, ctx)
                    .thenCompose(d -> descriptions.requireInService(d, plan.configName()))
                    .thenCompose(
                        y -> {
                          checkCancelled(ctx);
                          return scaling.register(plan, ctx);
                        })
                    // The description is part of the deploy: a cancel up to its end is undone.
                    .thenCompose(y -> descriptions.describeInOperation(name, ctx))
                    .thenApply(
                        d -> {
                          checkCancelled(ctx);
                          return d;
                        })
                    .handle(
                        (d, e) -> {
                          if (e == null) {
                            return CompletableFuture.completedFuture(d);
                          }
                          if (!ctx.isCancelled()) {
                            // A failed endpoint stays, so its FailureReason can be described.
                            return CompletableFuture.<EndpointDescription>failedFuture(
                                AwsErrors.map("CreateEndpoint " + name, e));
                          }
                          return deleteCreated(plan, madeModels)
                              .<EndpointDescription>handle(
                                  (r, re) -> {
                                    throw AwsErrors.map("CreateEndpoint " + name, e);
                                  });
                        })
                    .thenCompose(f -> f));
    return work.thenApply(d -> d);
  }

  /**
   * Updates an endpoint to a new config. The steps are ordered so that a failure or cancel at any
   * point leaves the endpoint as it was: the new models and config are created first; the scaling
   * of the current variants is read, then deregistered (SageMaker updates autoscaled variants only
   * once deregistered); then UpdateEndpoint. If anything fails or the caller cancels, {@link
   * #rollBack} puts the endpoint back on its old config, restores its scaling with its policies and
   * deletes what the update created. Only a successful update deletes the old config and models.
   */
  @Override
  public CompletableFuture<EndpointDescription> updateEndpoint(EndpointSpec spec, CallContext ctx) {
    EndpointPlan plan;
    try {
      plan = EndpointPlan.of(spec, models);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    String name = spec.name();
    return descriptions
        .describeRaw(name, ctx)
        .thenCompose(
            current ->
                descriptions
                    .describeConfig(current.endpointConfigName(), ctx)
                    .thenCompose(oldConfig -> update(plan, oldConfig, ctx)));
  }

  private CompletableFuture<EndpointDescription> update(
      EndpointPlan plan, DescribeEndpointConfigResponse oldConfig, CallContext ctx) {
    String name = plan.spec().name();
    List<String> madeModels = new ArrayList<>();
    AtomicBoolean madeConfig = new AtomicBoolean();
    AtomicReference<EndpointScaling.Saved> deregistered = new AtomicReference<>();
    AtomicBoolean sentUpdate = new AtomicBoolean();
    CompletableFuture<EndpointDescription> done =
        models
            .createModels(plan, madeModels, ctx)
            .thenCompose(x -> configs.create(plan, ctx))
            .thenCompose(
                x -> {
                  madeConfig.set(true);
                  checkCancelled(ctx);
                  return scaling.find(
                      name, EndpointDescriptions.variantNames(oldConfig), true, ctx);
                })
            .thenCompose(
                saved -> {
                  checkCancelled(ctx);
                  deregistered.set(saved);
                  return scaling.deregister(saved, ctx);
                })
            .thenCompose(
                x -> {
                  checkCancelled(ctx);
                  ctx.progress("updating endpoint " + name, 0.3);
                  sentUpdate.set(true);
                  return updateTo(name, plan.configName(), true, ctx);
                })
            .thenCompose(x -> descriptions.awaitStable(name, ctx))
            .thenCompose(d -> descriptions.requireInService(d, plan.configName()))
            .thenCompose(
                x -> {
                  checkCancelled(ctx);
                  return scaling.register(plan, ctx);
                })
            .thenCompose(x -> descriptions.describeInOperation(name, ctx))
            .thenApply(
                d -> {
                  // The last check: a cancel up to here (scaling, description) is rolled back.
                  checkCancelled(ctx);
                  return d;
                });
    return done.handle(
            (d, e) -> {
              if (e == null) {
                // Committed: the old config and models go, within the operation, best effort.
                return configs
                    .deleteQuietly(
                        oldConfig.endpointConfigName(),
                        EndpointDescriptions.modelNames(oldConfig),
                        AwsCalls.cleanupContext())
                    .handle((r, re) -> d);
              }
              EndpointScaling.Saved saved = deregistered.get();
              return rollBack(
                      plan,
                      oldConfig.endpointConfigName(),
                      sentUpdate.get(),
                      saved,
                      madeConfig.get(),
                      madeModels)
                  .<EndpointDescription>handle(
                      (r, re) -> {
                        throw AwsErrors.map("UpdateEndpoint " + name, e);
                      });
            })
        .thenCompose(f -> f);
  }

  /**
   * Undoes a failed or cancelled update with the clean-up budget (not the caller's deadline, which
   * may be what failed): once the endpoint settles, puts it back on its old config if it runs the
   * new one, restores the scaling deregistered before the update, and deletes the new config and
   * models unless the endpoint still uses them. Best effort: a step that fails leaves the rest.
   */
  private CompletableFuture<Void> rollBack(
      EndpointPlan plan,
      String oldConfig,
      boolean sentUpdate,
      EndpointScaling.Saved saved,
      boolean madeConfig,
      List<String> madeModels) {
    String name = plan.spec().name();
    CallContext c = AwsCalls.cleanupContext();
    CompletableFuture<Boolean> offNewConfig =
        !sentUpdate
            ? CompletableFuture.completedFuture(true)
            : descriptions
                .awaitStable(name, c)
                .thenCompose(
                    d -> {
                      if (!plan.configName().equals(d.endpointConfigName())) {
                        return CompletableFuture.completedFuture(true);
                      }
                      List<String> variants =
                          plan.variants().stream()
                              .filter(v -> !v.shadow())
                              .map(EndpointPlan.Variant::variantName)
                              .toList();
                      return scaling
                          .deregister(name, variants, c)
                          .thenCompose(x -> updateTo(name, oldConfig, false, c))
                          .thenCompose(x -> descriptions.awaitStable(name, c))
                          .thenApply(a -> !plan.configName().equals(a.endpointConfigName()));
                    })
                .exceptionally(e -> false);
    return offNewConfig.thenCompose(
        off ->
            (saved == null
                    ? CompletableFuture.<Void>completedFuture(null)
                    : scaling.restore(saved, c))
                .handle((x, e) -> (Void) null)
                .thenCompose(
                    x -> {
                      if (!off) {
                        return CompletableFuture.completedFuture(null);
                      }
                      List<String> made;
                      synchronized (madeModels) {
                        made = List.copyOf(madeModels);
                      }
                      return configs.deleteQuietly(madeConfig ? plan.configName() : null, made, c);
                    }));
  }

  /**
   * Deletes an endpoint a failed or cancelled deploy created, once it settles, with its scaling,
   * config and models, within the clean-up budget.
   */
  private CompletableFuture<Void> deleteCreated(EndpointPlan plan, List<String> madeModels) {
    String name = plan.spec().name();
    CallContext c = AwsCalls.cleanupContext();
    List<String> variants =
        plan.variants().stream()
            .filter(v -> !v.shadow())
            .map(EndpointPlan.Variant::variantName)
            .toList();
    return descriptions
        .awaitStable(name, c)
        .handle((d, e) -> (Void) null)
        .thenCompose(x -> scaling.deregister(name, variants, c))
        .handle((x, e) -> (Void) null)
        .thenCompose(
            x ->
                AwsErrors.WIRE.call(
                    "DeleteEndpoint " + name,
                    () ->
                        sm.deleteEndpoint(
                            r -> r.endpointName(name).overrideConfiguration(timeout(c)))))
        .thenCompose(x -> descriptions.awaitGone(name, c))
        .thenCompose(
            x -> {
              List<String> made;
              synchronized (madeModels) {
                made = List.copyOf(madeModels);
              }
              return configs.deleteQuietly(plan.configName(), made, c);
            });
  }

  /** UpdateEndpoint to a config, with the update policy of the options on the way forward. */
  private CompletableFuture<Void> updateTo(
      String name, String config, boolean forward, CallContext ctx) {
    return AwsErrors.WIRE
        .call(
            "UpdateEndpoint " + name,
            () ->
                sm.updateEndpoint(
                    r -> {
                      r.endpointName(name)
                          .endpointConfigName(config)
                          .overrideConfiguration(timeout(ctx));
                      if (forward) {
                        options
                            .updatePolicy()
                            .ifPresent(p -> r.deploymentConfig(EndpointConfigs.deployment(p)));
                      }
                    }))
        .thenApply(x -> null);
  }

  @Override
  public CompletableFuture<EndpointDescription> updateTraffic(
      String endpoint, Map<String, Integer> traffic, Mirror mirror, CallContext ctx) {
    return descriptions
        .describeRaw(endpoint, ctx)
        .thenCompose(current -> descriptions.describeConfig(current.endpointConfigName(), ctx))
        .thenCompose(
            config -> {
              Mirror now = EndpointDescriptions.mirrorOf(config).orElse(null);
              if (!Objects.equals(now, mirror)) {
                throw AwsErrors.clientError(
                    ErrorCategory.INVALID_INPUT,
                    "SageMaker changes a shadow variant only with a new endpoint config: use"
                        + " Endpoint.update to change the mirror of '"
                        + endpoint
                        + "'");
              }
              List<DesiredWeightAndCapacity> weights = new ArrayList<>();
              for (ProductionVariant v : config.productionVariants()) {
                weights.add(
                    DesiredWeightAndCapacity.builder()
                        .variantName(v.variantName())
                        .desiredWeight((float) (int) traffic.getOrDefault(v.variantName(), 0))
                        .build());
              }
              return AwsErrors.WIRE.call(
                  "UpdateEndpointWeightsAndCapacities " + endpoint,
                  () ->
                      sm.updateEndpointWeightsAndCapacities(
                          r ->
                              r.endpointName(endpoint)
                                  .desiredWeightsAndCapacities(weights)
                                  .overrideConfiguration(timeout(ctx))));
            })
        .thenCompose(x -> descriptions.awaitStable(endpoint, ctx))
        .thenCompose(d -> descriptions.requireInService(d, null))
        .thenCompose(x -> descriptions.describeInOperation(endpoint, ctx));
  }

  @Override
  public CompletableFuture<Void> deleteEndpoint(String endpoint, CallContext ctx) {
    return descriptions
        .describeRaw(endpoint, ctx)
        .thenCompose(
            current ->
                descriptions
                    .describeConfig(current.endpointConfigName(), ctx)
                    .handle((c, e) -> e == null ? c : null)
                    .thenCompose(
                        config ->
                            scaling
                                .deregister(
                                    endpoint,
                                    config == null
                                        ? List.of()
                                        : EndpointDescriptions.variantNames(config),
                                    ctx)
                                .thenCompose(
                                    x ->
                                        AwsErrors.WIRE.call(
                                            "DeleteEndpoint " + endpoint,
                                            () ->
                                                smOnce.deleteEndpoint(
                                                    r ->
                                                        r.endpointName(endpoint)
                                                            .overrideConfiguration(timeout(ctx)))))
                                .thenCompose(x -> descriptions.awaitGone(endpoint, ctx))
                                .thenCompose(
                                    x ->
                                        configs.deleteQuietly(
                                            current.endpointConfigName(),
                                            config == null
                                                ? List.of()
                                                : EndpointDescriptions.modelNames(config),
                                            ctx))));
  }

  @Override
  public CompletableFuture<EndpointDescription> describeEndpoint(String endpoint, CallContext ctx) {
    // Core retries describe: no SDK retries underneath.
    return descriptions.describeEndpoint(endpoint, ctx);
  }

  @Override
  public CompletableFuture<List<EndpointDescription>> listEndpoints(CallContext ctx) {
    return descriptions.listEndpoints(ctx);
  }
}
