package io.serve4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A deployment's description says whether it batches, and keeps it through toBuilder. */
class DeploymentDescriptionTest {
  @Test
  void batching_isEmptyByDefault_andKeptByToBuilder() {
    DeploymentDescription plain = DeploymentDescription.builder().name("d").modelName("m").build();
    assertThat(plain.batching()).isEmpty();
    BatchingPolicy p = BatchingPolicy.of(8, Duration.ofMillis(2));
    DeploymentDescription batched = plain.toBuilder().batching(p).build();
    assertThat(batched.batching()).contains(p);
    assertThat(batched.toBuilder().status(EndpointStatus.UPDATING).build().batching()).contains(p);
  }
}
