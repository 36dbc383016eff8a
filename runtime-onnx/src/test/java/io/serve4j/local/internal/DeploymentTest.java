package io.serve4j.local.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtEnvironment;
import io.serve4j.DeploymentDescription;
import io.serve4j.DeploymentSpec;
import io.serve4j.spi.Deadline;
import io.serve4j.testkit.ContractModels;
import org.junit.jupiter.api.Test;

/** A retired deployment's session outlives the runs that hold it, and no longer. */
class DeploymentTest {
  @Test
  void retire_whileARunHoldsIt_closesTheSessionOnlyWhenTheRunReleasesIt() throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    LoadedModel model =
        new LoadedModel(
            env, env.createSession(ContractModels.reluBytes()), "relu", "classpath:relu.onnx");
    Deployment d =
        new Deployment(
            DeploymentSpec.of("d", ContractModels.reluOnClasspath()),
            model,
            DeploymentDescription.builder().name("d").modelName("relu").build(),
            null);
    assertThat(d.acquire()).isTrue();
    d.retire();
    assertThat(d.isClosed()).isFalse();
    assertThat(model.run(ContractModels.reluRequest(-1, 2), Deadline.none()).get(0).asFloats())
        .containsExactly(0f, 2f);
    d.release();
    assertThat(d.isClosed()).isTrue();
    assertThat(d.acquire()).as("a closed deployment takes no more runs").isFalse();
    d.retire(); // idempotent, no double close
    assertThat(d.isClosed()).isTrue();
  }
}
