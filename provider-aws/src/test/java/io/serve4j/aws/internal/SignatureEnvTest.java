package io.serve4j.aws.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.DataType;
import io.serve4j.ModelSignature;
import io.serve4j.TensorSpec;
import io.serve4j.testkit.ContractModels;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SignatureEnvTest {
  @Test
  void put_thenRead_roundTripsInOneValue() {
    Map<String, String> env = new LinkedHashMap<>();
    assertThat(SignatureEnv.put(env, ContractModels.RELU_SIGNATURE)).isTrue();
    assertThat(env).containsOnlyKeys("SERVE4J_SIGNATURE");
    assertThat(SignatureEnv.read(env)).contains(ContractModels.RELU_SIGNATURE);
  }

  @Test
  void put_longSignature_splitsIntoValuesSageMakerAccepts() {
    ModelSignature sig = signatureOf(40); // ~2.5 KB of JSON: more than one 1,024-char value
    Map<String, String> env = new LinkedHashMap<>();
    assertThat(SignatureEnv.put(env, sig)).isTrue();
    assertThat(env).containsKeys("SERVE4J_SIGNATURE", "SERVE4J_SIGNATURE_1", "SERVE4J_SIGNATURE_2");
    assertThat(env.values()).allSatisfy(v -> assertThat(v.length()).isLessThanOrEqualTo(1024));
    assertThat(SignatureEnv.read(env)).contains(sig);
  }

  @Test
  void put_signatureBeyondEightValues_isNotKept() {
    Map<String, String> env = new LinkedHashMap<>();
    assertThat(SignatureEnv.put(env, signatureOf(200))).isFalse();
    assertThat(env).isEmpty();
    assertThat(SignatureEnv.read(env)).isEmpty();
  }

  @Test
  void read_compactValueOfEarlierVersions() {
    Map<String, String> env =
        Map.of(
            "SERVE4J_SIGNATURE",
            "{\"i\":[{\"n\":\"x\",\"t\":\"FP32\",\"s\":[1,2]}],"
                + "\"o\":[{\"n\":\"y\",\"t\":\"FP32\",\"s\":[1,2]}]}");
    assertThat(SignatureEnv.read(env)).contains(ContractModels.RELU_SIGNATURE);
  }

  private static ModelSignature signatureOf(int tensors) {
    List<TensorSpec> in = new ArrayList<>();
    for (int i = 0; i < tensors; i++) {
      in.add(TensorSpec.of("input_number_" + i, DataType.INT64, -1, 128));
    }
    return new ModelSignature(in, List.of(TensorSpec.of("y", DataType.FP32, -1, 384)));
  }
}
