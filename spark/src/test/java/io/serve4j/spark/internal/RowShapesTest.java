package io.serve4j.spark.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.DataType;
import org.junit.jupiter.api.Test;

/** A row's shape from the signature and the row's value count. */
class RowShapesTest {
  private static ScoringPlan.Input input(long... rowDims) {
    return new ScoringPlan.Input("x", new int[] {0}, new String[] {"c"}, DataType.FP32, rowDims);
  }

  @Test
  void rowDims_withoutSignature_isTheValueCount() {
    assertThat(PartitionScorer.rowDims(input((long[]) null), 5)).containsExactly(5);
  }

  @Test
  void rowDims_fixed_mustMatchTheCount() {
    assertThat(PartitionScorer.rowDims(input(2, 3), 6)).containsExactly(2, 3);
    assertThatThrownBy(() -> PartitionScorer.rowDims(input(2, 3), 5))
        .hasMessage("5 values where input 'x' takes [2, 3] per row");
  }

  @Test
  void rowDims_oneFreeDimension_isInferred() {
    assertThat(PartitionScorer.rowDims(input(-1), 17)).containsExactly(17);
    assertThat(PartitionScorer.rowDims(input(3, -1), 12)).containsExactly(3, 4);
    assertThatThrownBy(() -> PartitionScorer.rowDims(input(3, -1), 10))
        .hasMessage("10 values where input 'x' takes [3, ?] per row");
    assertThatThrownBy(() -> PartitionScorer.rowDims(input(-1), 0))
        .hasMessage("0 values where input 'x' takes [?] per row");
  }

  @Test
  void rowDims_twoFreeDimensions_areAmbiguous() {
    assertThatThrownBy(() -> PartitionScorer.rowDims(input(-1, -1), 12))
        .hasMessageContaining("more than one free dimension");
  }

  @Test
  void rowDims_scalarPerRow_takesExactlyOneValue() {
    assertThat(PartitionScorer.rowDims(input(), 1)).isEmpty();
    assertThatThrownBy(() -> PartitionScorer.rowDims(input(), 2))
        .hasMessage("2 values where input 'x' takes [] per row");
  }
}
