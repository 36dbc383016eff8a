package io.serve4j.local.internal;

import io.serve4j.DeploymentDescription;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.EndpointStatus;
import io.serve4j.Mirror;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An immutable snapshot of one endpoint: its spec, status, loaded deployments and the routing table
 * built from the traffic split once, so that a prediction picks a deployment with one random number
 * and a short scan.
 */
final class EndpointState {
  final EndpointSpec spec;
  final EndpointStatus status;
  final Map<String, Deployment> deployments;
  private final Deployment[] live;
  private final int[] upTo;
  final Deployment shadow;
  final int mirrorPercent;

  EndpointState(EndpointSpec spec, EndpointStatus status, Map<String, Deployment> deployments) {
    this.spec = spec;
    this.status = status;
    this.deployments = Map.copyOf(deployments);
    List<Deployment> l = new ArrayList<>();
    List<Integer> u = new ArrayList<>();
    int acc = 0;
    for (Map.Entry<String, Integer> e : spec.traffic().entrySet()) {
      Deployment d = this.deployments.get(e.getKey());
      if (d != null && e.getValue() > 0) {
        acc += e.getValue();
        l.add(d);
        u.add(acc);
      }
    }
    this.live = l.toArray(new Deployment[0]);
    this.upTo = new int[u.size()];
    for (int i = 0; i < upTo.length; i++) {
      upTo[i] = u.get(i);
    }
    Mirror m = spec.mirror().orElse(null);
    this.shadow = m == null ? null : this.deployments.get(m.deployment());
    this.mirrorPercent = m == null ? 0 : m.percent();
  }

  /**
   * Picks a live deployment by the traffic weights.
   *
   * @return the deployment, or null while loading
   */
  Deployment pick() {
    if (live.length == 1) {
      return live[0];
    }
    if (live.length == 0) {
      return null;
    }
    int r = ThreadLocalRandom.current().nextInt(upTo[upTo.length - 1]);
    for (int i = 0; i < upTo.length; i++) {
      if (r < upTo[i]) {
        return live[i];
      }
    }
    return live[live.length - 1];
  }

  /**
   * Returns whether this request should be mirrored.
   *
   * @return true with probability {@code mirrorPercent / 100}
   */
  boolean mirrorNow() {
    return shadow != null
        && (mirrorPercent >= 100 || ThreadLocalRandom.current().nextInt(100) < mirrorPercent);
  }

  EndpointState with(EndpointSpec newSpec, EndpointStatus newStatus) {
    return new EndpointState(newSpec, newStatus, deployments);
  }

  EndpointDescription describe() {
    EndpointDescription.Builder b =
        EndpointDescription.builder()
            .name(spec.name())
            .status(status)
            .traffic(spec.traffic())
            .mirror(spec.mirror().orElse(null))
            .url(URI.create("local://" + spec.name()));
    for (var d : spec.deployments()) {
      Deployment loaded = deployments.get(d.name());
      if (loaded != null) {
        DeploymentDescription dd = loaded.description();
        b.deployment(
            status == EndpointStatus.IN_SERVICE ? dd : dd.toBuilder().status(status).build());
      } else {
        b.deployment(
            DeploymentDescription.builder()
                .name(d.name())
                .modelName(d.model().name())
                .modelVersion(d.model().version())
                .status(status)
                .instances(0)
                .signature(d.model().signature().orElse(null))
                .build());
      }
    }
    return b.build();
  }
}
