package io.serve4j.kserve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.serve4j.InferenceResponse;
import io.serve4j.Tensor;

/** The ReLU answer check of the contract suite, for this module's own tests. */
final class ServingProviderAssertions {
  private ServingProviderAssertions() {}

  static void assertRelu(InferenceResponse response, float a, float b) {
    Tensor y = response.output("y");
    assertThat(y.shape().toArray()).containsExactly(1, 2);
    assertThat(y.asFloats()[0]).isCloseTo(Math.max(0, a), within(1e-6f));
    assertThat(y.asFloats()[1]).isCloseTo(Math.max(0, b), within(1e-6f));
  }
}
