package io.serve4j.spark.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the MiniLM example's main on a small CSV file and reads its Parquet back. */
class MiniLmCsvExampleTest {
  @Test
  void main_embedsACsvFile_similarSentencesAreCloser(@TempDir Path dir) throws Exception {
    SparkSession spark =
        SparkSession.builder()
            .master("local[2,2]")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .getOrCreate();
    Path csv = dir.resolve("sentences.csv");
    Files.writeString(
        csv,
        "text\n"
            + "A man is eating food.\n"
            + "A man is eating a piece of bread.\n"
            + "A man is riding a horse.\n"
            + "A man is riding a white horse on an enclosed ground.\n");
    Path out = dir.resolve("embeddings.parquet");
    MiniLmCsvExample.main(new String[] {csv.toString(), out.toString()});
    List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
    assertThat(rows).hasSize(4);
    Map<String, List<Float>> e = new HashMap<>();
    for (Row r : rows) {
      assertThat(r.isNullAt(2)).as(String.valueOf(r.get(2))).isTrue();
      e.put(r.getString(0), r.getList(1));
    }
    double eatEat = cos(e.get("A man is eating food."), e.get("A man is eating a piece of bread."));
    double eatRide = cos(e.get("A man is eating food."), e.get("A man is riding a horse."));
    double rideRide =
        cos(
            e.get("A man is riding a horse."),
            e.get("A man is riding a white horse on an enclosed ground."));
    assertThat(eatEat).isGreaterThan(eatRide + 0.2);
    assertThat(rideRide).isGreaterThan(eatRide + 0.2);
  }

  private static double cos(List<Float> a, List<Float> b) {
    double s = 0;
    for (int i = 0; i < a.size(); i++) {
      s += a.get(i) * b.get(i);
    }
    return s; // both unit length
  }
}
