package io.serve4j.spark;

import static org.apache.spark.sql.functions.expr;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.ModelLoadException;
import io.serve4j.spark.internal.ModelFiles;
import io.serve4j.spark.internal.ThreadBudget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real ONNX model (the MLP) on the local ONNX Runtime, shipped to the executors. */
class LocalOnnxScoringTest {
  static final int IN = 8;
  static final int HIDDEN = 32;
  static final int OUT = 4;

  @TempDir static Path dir;
  static Path mlp;
  static SparkSession spark;

  @BeforeAll
  static void start() throws Exception {
    spark = SparkTests.session();
    mlp = MlpModel.write(dir.resolve("mlp.onnx"), IN, HIDDEN, OUT);
  }

  static Dataset<Row> features(long n, int partitions) {
    return spark
        .range(0, n, 1, partitions)
        .withColumn(
            "features",
            expr("transform(sequence(0, " + (IN - 1) + "), i -> cast(sin(id + i) AS float))"));
  }

  static void assertMatchesReference(List<Row> rows) {
    for (Row r : rows) {
      List<Float> xs = r.getList(r.fieldIndex("features"));
      float[] x = new float[IN];
      for (int i = 0; i < IN; i++) {
        x[i] = xs.get(i);
      }
      float[] expected = MlpModel.reference(x, HIDDEN, OUT);
      assertThat(r.<Object>getAs("serve4j_error")).as("row %s", r.get(0)).isNull();
      List<Float> y = r.getList(r.fieldIndex("y"));
      assertThat(y).hasSize(OUT);
      for (int k = 0; k < OUT; k++) {
        assertThat(y.get(k)).isCloseTo(expected[k], org.assertj.core.data.Offset.offset(1e-4f));
      }
    }
  }

  @Test
  void score_localModel_matchesTheReferenceOnEveryRow() {
    ScoringSpec spec =
        ScoringSpec.builder()
            .model(mlp)
            .input(InputMapping.of("x", "features"))
            .output(OutputColumn.array("y"))
            .batchSize(128)
            .build();
    ScoringCounters counters = ScoringCounters.register(spark.sparkContext());
    List<Row> rows = Serve4jSpark.score(features(20_000, 4), spec, counters).collectAsList();
    assertThat(rows).hasSize(20_000);
    assertMatchesReference(rows);
    assertThat(counters.scored()).isEqualTo(20_000);
    assertThat(counters.failed()).isZero();
  }

  @Test
  void transformer_inAPipeline_savesAndLoadsItsParams(@TempDir Path saved) throws Exception {
    Serve4jTransformer scorer =
        new Serve4jTransformer()
            .setModelPath(mlp.toString())
            .setModelSha256(ModelFiles.sha256(mlp))
            .setInputs(new String[] {"x:FP32=features"})
            .setOutputs(new String[] {"y=y:array"})
            .setBatchSize(32)
            .setMaxInFlight(2);
    PipelineModel model =
        new Pipeline().setStages(new PipelineStage[] {scorer}).fit(features(10, 1));
    model.write().overwrite().save(saved.toString());
    PipelineModel loaded = PipelineModel.load(saved.toString());
    Serve4jTransformer back = (Serve4jTransformer) loaded.stages()[0];
    assertThat(back.uid()).isEqualTo(scorer.uid());
    assertThat(back.toSpec().toString()).isEqualTo(scorer.toSpec().toString());
    assertThat(back.toSpec().modelSha256()).isEqualTo(scorer.toSpec().modelSha256());
    assertThat(back.toSpec().maxInFlight()).isEqualTo(2);
    List<Row> rows = loaded.transform(features(2_000, 2)).collectAsList();
    assertThat(rows).hasSize(2_000);
    assertMatchesReference(rows);
    assertThat(Serve4jTransformer.parseOutput("y=score:scalar:FP64"))
        .isEqualTo(
            new OutputColumn("y", "score", OutputColumn.Kind.SCALAR, io.serve4j.DataType.FP64));
  }

  @Test
  void score_whenThePinnedSha256DiffersFromTheFile_failsWithModelLoad() {
    ScoringSpec spec =
        ScoringSpec.builder()
            .model(mlp, "00".repeat(32))
            .input(InputMapping.of("x", "features"))
            .output(OutputColumn.array("y"))
            .build();
    assertThatThrownBy(() -> Serve4jSpark.score(features(10, 1), spec))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("not the pinned");
  }

  @Test
  void modelFiles_verify_whenTheFileChangedOnItsWay_throwsModelLoad() throws Exception {
    Path copy = Files.copy(mlp, dir.resolve("copy.onnx"));
    String sha = ModelFiles.sha256(copy);
    ModelFiles.verify(copy, sha);
    Files.write(copy, new byte[] {1}, java.nio.file.StandardOpenOption.APPEND);
    assertThatThrownBy(() -> ModelFiles.verify(copy, sha))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("was expected");
  }

  @Test
  void threadBudget_dividesTheCoresByTheTaskSlots() {
    assertThat(ThreadBudget.intraOpThreads("local[2]", 0, 1, 2)).isEqualTo(1);
    assertThat(ThreadBudget.intraOpThreads("local[2,2]", 0, 1, 2)).isEqualTo(1);
    assertThat(ThreadBudget.intraOpThreads("local[1]", 0, 1, 2)).isEqualTo(2);
    assertThat(ThreadBudget.intraOpThreads("local[*]", 0, 1, 8)).isEqualTo(1);
    assertThat(ThreadBudget.intraOpThreads("local", 0, 1, 4)).isEqualTo(4);
    assertThat(ThreadBudget.intraOpThreads("yarn", 4, 1, 16)).isEqualTo(1);
    assertThat(ThreadBudget.intraOpThreads("yarn", 8, 2, 16)).isEqualTo(2);
    assertThat(ThreadBudget.intraOpThreads("yarn", 0, 1, 4)).isEqualTo(1);
  }
}
