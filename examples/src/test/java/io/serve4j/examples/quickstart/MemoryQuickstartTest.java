package io.serve4j.examples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MemoryQuickstartTest {
  @Test
  void readmeQuickstart_doublesTheInput() {
    assertThat(MemoryQuickstart.run()).containsExactly(2f, 4f, 6f);
  }
}
