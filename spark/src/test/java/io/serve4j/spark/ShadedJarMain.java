package io.serve4j.spark;

import static org.apache.spark.sql.functions.expr;

import io.serve4j.Serve4j;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Run by {@link ShadedJarIT} in a fresh JVM whose class path is Spark's jars, the -all jar and this
 * class (with {@link MlpModel}): scores the MLP on local[2] and checks every row.
 */
public final class ShadedJarMain {
  private ShadedJarMain() {}

  /**
   * Scores and prints {@code SHADED-OK <rows> <providers>}.
   *
   * @param args a scratch directory
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    Path mlp =
        MlpModel.write(Files.createDirectories(Path.of(args[0])).resolve("mlp.onnx"), 4, 8, 2);
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .getOrCreate();
    try {
      ScoringSpec spec =
          ScoringSpec.builder()
              .model(mlp)
              .input(InputMapping.of("x", "a", "b", "c", "d"))
              .output(OutputColumn.array("y"))
              .build();
      List<Row> rows =
          Serve4jSpark.score(
                  spark
                      .range(0, 1000, 1, 2)
                      .withColumn("a", expr("cast(id / 1000.0 AS float)"))
                      .withColumn("b", expr("cast(1 AS float)"))
                      .withColumn("c", expr("cast(-0.5 AS float)"))
                      .withColumn("d", expr("cast(id % 7 AS float)")),
                  spec)
              .collectAsList();
      for (Row r : rows) {
        float[] x = {
          r.getFloat(1), r.getFloat(2), r.getFloat(3), r.getFloat(4),
        };
        float[] expected = MlpModel.reference(x, 8, 2);
        List<Float> y = r.getList(5);
        for (int k = 0; k < 2; k++) {
          if (Math.abs(y.get(k) - expected[k]) > 1e-4) {
            throw new AssertionError("row " + r.get(0) + ": " + y + " vs " + expected[k]);
          }
        }
      }
      System.out.println("SHADED-OK " + rows.size() + " " + Serve4j.providers());
    } finally {
      spark.stop();
    }
  }
}
