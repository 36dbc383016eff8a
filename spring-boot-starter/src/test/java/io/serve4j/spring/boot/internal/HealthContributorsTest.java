package io.serve4j.spring.boot.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.DeploymentDescription;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointStatus;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

class HealthContributorsTest {
  private static EndpointDescription described(EndpointStatus status) {
    return EndpointDescription.builder()
        .name("e")
        .status(status)
        .deployment(
            DeploymentDescription.builder().name("blue").modelName("m").status(status).build())
        .failureReason(status == EndpointStatus.FAILED ? "container failed its ping" : null)
        .build();
  }

  @Test
  void inServiceAndUpdating_areUp() {
    assertThat(HealthContributors.health(described(EndpointStatus.IN_SERVICE)).getStatus())
        .isEqualTo(Status.UP);
    assertThat(HealthContributors.health(described(EndpointStatus.UPDATING)).getStatus())
        .isEqualTo(Status.UP);
  }

  @Test
  void creatingAndDeleting_areOutOfService() {
    assertThat(HealthContributors.health(described(EndpointStatus.CREATING)).getStatus())
        .isEqualTo(Status.OUT_OF_SERVICE);
    assertThat(HealthContributors.health(described(EndpointStatus.DELETING)).getStatus())
        .isEqualTo(Status.OUT_OF_SERVICE);
  }

  @Test
  void failed_isDown_withTheReasonAndDeployments() {
    Health h = HealthContributors.health(described(EndpointStatus.FAILED));
    assertThat(h.getStatus()).isEqualTo(Status.DOWN);
    assertThat(h.getDetails())
        .containsEntry("status", "FAILED")
        .containsEntry("failureReason", "container failed its ping")
        .containsEntry("deployments", java.util.Map.of("blue", "FAILED"));
  }
}
