package io.serve4j.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.DeploymentDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A deployment's details come in one documented order, and say nothing the user did not ask. */
class DescriptionOrderTest {
  @TempDir Path dir;

  @Test
  void details_comeInTheLoadersOrder_withOpsetsSorted_andNoCloudSizing() throws Exception {
    Path file = dir.resolve("mlp.onnx");
    try (var in =
        getClass().getClassLoader().getResourceAsStream("models/mlp-dynamic-batch.onnx")) {
      Files.copy(in, file);
    }
    String sha =
        HexFormat.of()
            .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    try (ServingClient client = Serve4j.client(LocalOptions.builder().isolated(true).build())) {
      DeploymentDescription d =
          client
              .deploy(
                  EndpointSpec.of("mlp", Model.onnx("mlp", file).toBuilder().sha256(sha).build()))
              .await()
              .describe()
              .deployments()
              .get(0);
      List<String> keys = new ArrayList<>(d.details().keySet());
      assertThat(keys.subList(0, 4))
          .containsExactly(
              "artifact", "sha256", "executionProvider", "executionProviderDiagnostic");
      assertThat(keys.get(keys.size() - 1)).isEqualTo("onnxruntimeVersion");
      List<String> opsets = keys.stream().filter(k -> k.startsWith("opset.")).toList();
      assertThat(opsets).isNotEmpty().isSorted();
      assertThat(d.details().get("executionProviderDiagnostic")).doesNotContain("vCPU");
    }
  }
}
