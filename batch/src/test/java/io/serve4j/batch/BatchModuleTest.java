package io.serve4j.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.testkit.ModuleBoundaries;
import org.junit.jupiter.api.Test;

class BatchModuleTest {
  @Test
  void module_exportsTheBatchApiOnly() {
    assertThat(ModuleBoundaries.assertExportsExactly(BatchScorer.class, "io.serve4j.batch").name())
        .isEqualTo("io.serve4j.batch");
  }
}
