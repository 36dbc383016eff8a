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
}
