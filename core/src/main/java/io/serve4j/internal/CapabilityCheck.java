package io.serve4j.internal;

import io.serve4j.Capability;
import io.serve4j.DeploymentSpec;
import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import java.util.Set;

/** Refuses, before any call, what a provider cannot do. */
public final class CapabilityCheck {
  private CapabilityCheck() {}

  /**
   * Throws unless the provider has the capability.
   *
   * @param providerId the provider
   * @param has what it has
   * @param needed what is needed
   * @param why what needs it, for the message
   * @throws io.serve4j.UnsupportedCapabilityException if missing
   */
  public static void require(
      String providerId, Set<Capability> has, Capability needed, String why) {
    if (!has.contains(needed)) {
      throw ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY)
          .providerId(providerId)
          .message(
              "provider '"
                  + providerId
                  + "' does not support "
                  + needed
                  + ", needed by "
                  + why
                  + "; it supports "
                  + has)
          .build();
    }
  }

  /**
   * Checks everything an endpoint spec needs.
   *
   * @param providerId the provider
   * @param has what it has
   * @param spec the spec
   */
  public static void check(String providerId, Set<Capability> has, EndpointSpec spec) {
    String mirrored = spec.mirror().isPresent() ? spec.mirror().get().deployment() : null;
    int live = 0;
    for (DeploymentSpec d : spec.deployments()) {
      if (!d.name().equals(mirrored)) {
        live++;
      }
    }
    if (live > 1) {
      require(providerId, has, Capability.TRAFFIC_SPLIT, "endpoint '" + spec.name() + "'");
    }
    if (spec.mirror().isPresent()) {
      require(providerId, has, Capability.SHADOW, "the mirror of endpoint '" + spec.name() + "'");
    }
    if (spec.asyncInference().isPresent()) {
      require(
          providerId,
          has,
          Capability.ASYNC_INFERENCE,
          "asynchronous endpoint '" + spec.name() + "'");
    }
    for (DeploymentSpec d : spec.deployments()) {
      String what = "deployment '" + d.name() + "'";
      if (d.scaling().isServerless()) {
        require(providerId, has, Capability.SERVERLESS, what + " (" + d.scaling() + ")");
      }
      if (d.scaling().isAutoscaling()) {
        require(providerId, has, Capability.AUTOSCALING, what);
      }
      if (d.batching().isPresent()) {
        require(providerId, has, Capability.DYNAMIC_BATCHING, what);
      }
      if (d.model().multiModel()) {
        require(providerId, has, Capability.MULTI_MODEL, "multi-model " + what);
      }
      switch (d.accelerator().kind()) {
        case GPU -> require(providerId, has, Capability.GPU, what);
        case TPU -> require(providerId, has, Capability.TPU, what);
        case INFERENTIA -> require(providerId, has, Capability.INFERENTIA, what);
        case CPU -> {}
      }
    }
  }
}
