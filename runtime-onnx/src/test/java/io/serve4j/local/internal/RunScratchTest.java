package io.serve4j.local.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtEnvironment;
import io.serve4j.Tensor;
import io.serve4j.spi.Deadline;
import io.serve4j.testkit.ContractModels;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A run's working arrays belong to its run slot and are reused by the slot's next run: results stay
 * the caller's own, and a slot waiting in the pool holds no caller's tensor.
 */
class RunScratchTest {
  @Test
  void scratch_sameCounts_isTheSlotsOwn_otherCounts_areNewArrays() {
    try (Staging s = new Staging()) {
      Staging.Scratch a = s.scratch(2, 1);
      assertThat(s.scratch(2, 1)).isSameAs(a);
      Staging.Scratch b = s.scratch(2, 3);
      assertThat(b).isNotSameAs(a);
      assertThat(b.created).hasSize(2);
      assertThat(b.out).hasSize(3);
      assertThat(s.scratch(2, 3)).isSameAs(b);
    }
  }

  @Test
  void runs_reuseTheSlotsArrays_returnTheirOwnOutputs_andLeaveTheSlotEmpty() throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (LoadedModel model =
        new LoadedModel(
            env, env.createSession(ContractModels.reluBytes()), "relu", "classpath:relu.onnx")) {
      List<Tensor> first = model.run(ContractModels.reluRequest(-1, 2), Deadline.none());
      RunGuard slot = model.runOptionsPool().take();
      Staging.Scratch scratch = slot.staging().scratch(1, first.size());
      assertThat(scratch.isClear()).as("the pooled slot keeps no tensor of the run").isTrue();
      model.runOptionsPool().give(slot);

      List<Tensor> second = model.run(ContractModels.reluRequest(3, -4), Deadline.none());
      assertThat(first.get(0).asFloats()).as("the first caller's outputs").containsExactly(0f, 2f);
      assertThat(second.get(0).asFloats()).containsExactly(3f, 0f);
      RunGuard again = model.runOptionsPool().take();
      assertThat(again.staging().scratch(1, first.size()))
          .as("the slot's arrays, reused by the next run")
          .isSameAs(scratch);
      assertThat(scratch.isClear()).isTrue();
      model.runOptionsPool().give(again);
    }
  }

  /**
   * An output whose batch dimension follows the input's is kept per slot: a run of the kept shape
   * reuses the slot's shape (no array per run), a run of other rows gets outputs of its own shape,
   * and every caller's values are the model's for its rows.
   */
  @Test
  void runs_ofChangingRows_keepTheSlotsShapeOnlyWhileItIsTheRunsOwn() throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    byte[] bytes;
    try (java.io.InputStream in =
        getClass().getClassLoader().getResourceAsStream("models/mlp-dynamic-batch.onnx")) {
      bytes = in.readAllBytes();
    }
    try (LoadedModel model =
        new LoadedModel(env, env.createSession(bytes), "mlp", "classpath:mlp.onnx")) {
      float[][] rowsOut = new float[3][];
      for (int r = 0; r < 3; r++) {
        rowsOut[r] = model.run(request(1, r), Deadline.none()).get(0).asFloats();
      }
      RunGuard slot = model.runOptionsPool().take();
      long[] kept = slot.staging().keptShape(0, 1);
      model.runOptionsPool().give(slot);
      assertThat(kept).containsExactly(1, 2);
      for (int rows : new int[] {1, 3, 3, 1, 2}) {
        Tensor y = model.run(request(rows, 0), Deadline.none()).get(0);
        assertThat(y.shape().toArray()).containsExactly(rows, 2);
        float[] got = y.asFloats();
        for (int r = 0; r < rows; r++) {
          for (int k = 0; k < 2; k++) {
            assertThat(got[r * 2 + k])
                .isCloseTo(rowsOut[r][k], org.assertj.core.data.Offset.offset(1e-5f));
          }
        }
      }
      model.run(request(1, 0), Deadline.none());
      model.run(request(1, 0), Deadline.none());
      slot = model.runOptionsPool().take();
      long[] again = slot.staging().keptShape(0, 1);
      model.runOptionsPool().give(slot);
      assertThat(again).containsExactly(1, 2);
      long[] same = again;
      model.run(request(1, 2), Deadline.none());
      slot = model.runOptionsPool().take();
      assertThat(slot.staging().keptShape(0, 1))
          .as("a run of the kept shape keeps the slot's array")
          .isSameAs(same);
      model.runOptionsPool().give(slot);
    }
  }

  /** Rows {@code first}, {@code first + 1}, ... of a fixed pattern, four features each. */
  private static io.serve4j.InferenceRequest request(int rows, int first) {
    float[] x = new float[rows * 4];
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < 4; j++) {
        x[r * 4 + j] = (float) Math.cos((first + r) * 7 + j) * 3;
      }
    }
    return io.serve4j.InferenceRequest.of(Tensor.ofFloats("x", new long[] {rows, 4}, x));
  }
}
