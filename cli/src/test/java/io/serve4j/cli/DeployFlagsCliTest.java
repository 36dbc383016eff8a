package io.serve4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.DeploymentDescription;
import io.serve4j.EndpointDescription;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.memory.MemoryBackend;
import io.serve4j.testkit.memory.MemoryOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code serve4j deploy}'s accelerator, scaling and traffic flags, on the memory provider (which
 * reports the accelerator and instance count it was given, and has no serverless).
 */
class DeployFlagsCliTest {
  private final MemoryBackend backend = new MemoryBackend();
  private final ClientFactory clients =
      (provider, uri) -> Serve4j.client(MemoryOptions.builder().backend(backend).build());

  private CliTestSupport.Run deploy(String... flags) {
    String[] args = new String[flags.length + 7];
    String[] base = {
      "deploy", "--provider", "memory", "--endpoint", "fraud", "--artifact", "s3://b/fraud.onnx"
    };
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(flags, 0, args, base.length, flags.length);
    return CliTestSupport.run(clients, args);
  }

  private EndpointDescription described() {
    try (ServingClient c = clients.open("memory", null)) {
      return c.endpoint("fraud").describe();
    }
  }

  @Test
  void deploy_acceleratorAutoscalingAndCanary_becomeTheSpec() {
    CliTestSupport.Run r =
        deploy(
            "--accelerator",
            "nvidia-t4:2",
            "--min-instances",
            "3",
            "--max-instances",
            "6",
            "--target-metric",
            "GPU_UTILIZATION",
            "--target-value",
            "70",
            "--deployment",
            "blue",
            "--canary",
            "s3://b/fraud-v2.onnx",
            "--canary-percent",
            "25");
    assertThat(r.exit()).as(r.err()).isZero();
    EndpointDescription d = described();
    assertThat(d.traffic()).isEqualTo(Map.of("blue", 75, "canary", 25));
    DeploymentDescription blue = d.deployment("blue").orElseThrow();
    DeploymentDescription canary = d.deployment("canary").orElseThrow();
    assertThat(blue.instanceType()).contains("2x nvidia-t4");
    assertThat(blue.instances()).isEqualTo(3);
    assertThat(blue.modelName()).isEqualTo("fraud");
    assertThat(canary.modelName()).isEqualTo("fraud-v2");
    assertThat(canary.instanceType()).contains("2x nvidia-t4");
  }

  @Test
  void deploy_fixedInstancesOnCpu() {
    CliTestSupport.Run r = deploy("--accelerator", "cpu:4:16", "--instances", "2");
    assertThat(r.exit()).as(r.err()).isZero();
    DeploymentDescription d = described().deployments().get(0);
    assertThat(d.name()).isEqualTo("primary");
    assertThat(d.instances()).isEqualTo(2);
    assertThat(d.instanceType()).contains("cpu(4 vCPU, 16 GiB)");
  }

  @Test
  void deploy_serverlessOnAProviderWithout_exitsTenBeforeAnyEndpoint() {
    CliTestSupport.Run r = deploy("--serverless-memory", "2048", "--max-concurrency", "10");
    assertThat(r.exit()).isEqualTo(ExitCodes.UNSUPPORTED);
    assertThat(r.err()).contains("SERVERLESS");
    assertThat(backend.endpointNames()).isEmpty();
  }

  @Test
  void deploy_badOrConflictingFlags_exitTwoBeforeAnyEndpoint() {
    assertThat(deploy("--accelerator", "nvidia-t4:x").err()).contains("--accelerator nvidia-t4:x");
    assertThat(deploy("--accelerator", "nvidia-t4:x").exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(deploy("--min-instances", "1", "--max-instances", "2").err())
        .contains("autoscaling needs all of");
    assertThat(deploy("--instances", "2", "--min-instances", "1").exit())
        .isEqualTo(ExitCodes.USAGE);
    assertThat(deploy("--serverless-memory", "2048").err())
        .contains("--serverless-memory and --max-concurrency");
    assertThat(deploy("--canary", "s3://b/v2.onnx", "--canary-percent", "100").err())
        .contains("--canary-percent must be 1-99");
    assertThat(deploy("--accelerator", "warp-drive").exit()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(backend.endpointNames()).isEmpty();
  }
}
