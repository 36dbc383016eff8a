package io.serve4j.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.DataType;
import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Model;
import io.serve4j.ModelSignature;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import io.serve4j.Tensor;
import io.serve4j.TensorSpec;
import io.serve4j.testkit.memory.MemoryOptions;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Scoring through the in-memory provider on local[2]: values, bad rows, batching, fail-fast,
 * exactly-once output under a task retry, one client per JVM.
 */
class MemoryScoringTest {
  static final AtomicInteger CLIENTS_CREATED = new AtomicInteger();
  static final AtomicLong REQUESTS = new AtomicLong();
  static final AtomicLong LARGEST_BATCH = new AtomicLong();

  static final Model STATS =
      Model.builder()
          .name("stats")
          .artifact("file:/models/stats.onnx")
          .signature(
              new ModelSignature(
                  List.of(TensorSpec.of("x", DataType.FP32, -1, 4)),
                  List.of(TensorSpec.of("y", DataType.FP32, -1, 2))))
          .build();

  static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkTests.session();
  }

  @BeforeEach
  void reset() {
    REQUESTS.set(0);
    LARGEST_BATCH.set(0);
  }

  /** y = (sum of x, 2 * x0) per row; a row whose x3 is 13 makes the model refuse the call. */
  static InferenceResponse stats(io.serve4j.DeploymentSpec d, InferenceRequest request) {
    Tensor x = request.input("x").orElseThrow();
    int n = (int) x.shape().dim(0);
    REQUESTS.incrementAndGet();
    LARGEST_BATCH.accumulateAndGet(n, Math::max);
    float[] v = x.asFloats();
    float[] y = new float[n * 2];
    for (int r = 0; r < n; r++) {
      if (v[r * 4 + 3] == 13f) {
        throw ServingException.builder(ErrorCategory.INVALID_INPUT)
            .message("poison value " + v[r * 4 + 3])
            .providerId("memory")
            .requestId("req-" + (int) v[r * 4])
            .build();
      }
      float s = 0;
      for (int i = 0; i < 4; i++) {
        s += v[r * 4 + i];
      }
      y[r * 2] = s;
      y[r * 2 + 1] = 2 * v[r * 4];
    }
    return InferenceResponse.builder().output(Tensor.ofFloats("y", new long[] {n, 2}, y)).build();
  }

  static ServingClient statsClient() {
    CLIENTS_CREATED.incrementAndGet();
    ServingClient c =
        Serve4j.client(MemoryOptions.builder().predictor(MemoryScoringTest::stats).build());
    c.deploy(EndpointSpec.of("stats", STATS)).await();
    return c;
  }

  static ScoringSpec.Builder statsSpec() {
    return ScoringSpec.builder()
        .client(MemoryScoringTest::statsClient)
        .endpoint("stats")
        .input(InputMapping.of("x", "features"))
        .output(OutputColumn.array("y", "y"))
        .batchSize(64);
  }

  /** Rows 0..n-1; every 100th row (id % 100 == 7) is malformed: null, 3 or 5 values. */
  static Dataset<Row> rows(long n, int partitions) {
    return spark
        .range(0, n, 1, partitions)
        .withColumn(
            "features",
            expr(
                "CASE WHEN id % 100 = 7 THEN (CASE WHEN id % 300 = 7 THEN NULL"
                    + " WHEN id % 300 = 107 THEN array(1f, 2f, 3f)"
                    + " ELSE array(1f, 2f, 3f, 4f, 5f) END)"
                    + " ELSE array(cast(id AS float), cast(id % 10 AS float), 1f, -1f) END"));
  }

  @Test
  void score_thousandMalformedAmongHundredThousand_giveThousandErrorRowsAndRightValues() {
    ScoringCounters counters = ScoringCounters.register(spark.sparkContext());
    Dataset<Row> scored = Serve4jSpark.score(rows(100_000, 4), statsSpec().build(), counters);
    scored.cache();
    try {
      assertThat(scored.count()).isEqualTo(100_000);
      long right =
          scored
              .filter(
                  "serve4j_error IS NULL AND id % 100 != 7"
                      + " AND y[0] = cast(id + id % 10 AS float) AND y[1] = cast(2 * id AS float)")
              .count();
      assertThat(right).isEqualTo(99_000);
      Dataset<Row> errors = scored.filter(col("serve4j_error").isNotNull());
      assertThat(errors.count()).isEqualTo(1_000);
      assertThat(
              errors
                  .filter("id % 100 = 7 AND y IS NULL AND serve4j_error.category = 'INVALID_INPUT'")
                  .count())
          .isEqualTo(1_000);
      Row nullRow = errors.filter("id = 7").first();
      assertThat(nullRow.<Row>getAs("serve4j_error").getString(1))
          .isEqualTo("column 'features' of input 'x' has a null value");
      Row shortRow = errors.filter("id = 107").first();
      assertThat(shortRow.<Row>getAs("serve4j_error").getString(1))
          .isEqualTo("3 values where input 'x' takes [4] per row");
      assertThat(counters.scored()).isEqualTo(99_000);
      assertThat(counters.failed()).isEqualTo(1_000);
      // micro-batches, not one request per row; bad rows never reach the model
      assertThat(LARGEST_BATCH.get()).isEqualTo(64);
      assertThat(REQUESTS.get()).isLessThan(100_000 / 60);
    } finally {
      scored.unpersist();
    }
  }

  @Test
  void score_whenTheModelRefusesABatch_rescoresItRowByRowSoOnlyTheBadRowFails() {
    Dataset<Row> df =
        rows(1_000, 2)
            .filter("id % 100 != 7")
            .withColumn(
                "features",
                expr(
                    "CASE WHEN id IN (13, 500) THEN array(cast(id AS float), 0f, 0f, 13f)"
                        + " ELSE features END"));
    List<Row> out = Serve4jSpark.score(df, statsSpec().build()).collectAsList();
    assertThat(out).hasSize(990);
    for (Row r : out) {
      long id = r.getLong(0);
      Row error = r.getAs("serve4j_error");
      if (id == 13 || id == 500) {
        assertThat(error.getString(0)).isEqualTo("INVALID_INPUT");
        assertThat(error.getString(1)).isEqualTo("poison value 13.0");
        assertThat(error.getString(2)).isEqualTo("memory");
        assertThat(error.getString(3)).isEqualTo("req-" + id);
        assertThat(r.<Object>getAs("y")).isNull();
      } else {
        assertThat(error).as("row %s", id).isNull();
        List<Float> y = r.getList(r.fieldIndex("y"));
        assertThat(y).containsExactly((float) (id + id % 10), (float) (2 * id));
      }
    }
  }

  @Test
  void score_failFast_failsTheJobWithTheRowsError() {
    Dataset<Row> scored =
        Serve4jSpark.score(rows(1_000, 2), statsSpec().badRows(BadRowPolicy.FAIL_FAST).build());
    assertThatThrownBy(scored::count)
        .hasStackTraceContaining("BadRowPolicy.FAIL_FAST")
        .hasStackTraceContaining("input 'x'");
  }

  @Test
  void score_oneClientPerJvm_sharedByAllTasks() {
    int before = CLIENTS_CREATED.get();
    String tag = "a factory of its own";
    ClientFactory own =
        () -> {
          assertThat(tag).isNotEmpty();
          return statsClient();
        };
    ScoringSpec spec = statsSpec().client(own).endpoint("stats").batchSize(7).build();
    Serve4jSpark.score(rows(5_000, 8), spec).count();
    Serve4jSpark.score(rows(5_000, 8), spec).count();
    assertThat(CLIENTS_CREATED.get() - before).isEqualTo(1);
  }

  /** Throws once, in the first attempt of partition 1, after half of its rows went by. */
  static final class FailOnce implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    static final AtomicInteger FAILURES = new AtomicInteger();

    @Override
    public Iterator<Row> call(Iterator<Row> in) {
      TaskContext tc = TaskContext.get();
      boolean fail = tc.partitionId() == 1 && tc.attemptNumber() == 0;
      return new Iterator<>() {
        int seen;

        @Override
        public boolean hasNext() {
          return in.hasNext();
        }

        @Override
        public Row next() {
          if (fail && ++seen == 1_000) {
            FAILURES.incrementAndGet();
            throw new IllegalStateException("injected failure of the first attempt");
          }
          return in.next();
        }
      };
    }
  }

  @Test
  void score_whenATaskFailsOnceAndIsRetried_outputIsIdentical() {
    Dataset<Row> df = rows(20_000, 4);
    ScoringSpec spec = statsSpec().batchSize(50).build();
    List<Row> clean = sorted(Serve4jSpark.score(df, spec).collectAsList());
    int failuresBefore = FailOnce.FAILURES.get();
    ScoringCounters counters = ScoringCounters.register(spark.sparkContext());
    Dataset<Row> scored = Serve4jSpark.score(df, spec, counters);
    List<Row> retried =
        sorted(scored.mapPartitions(new FailOnce(), Encoders.row(scored.schema())).collectAsList());
    assertThat(retried).hasSize(20_000);
    assertThat(retried).isEqualTo(clean);
    assertThat(FailOnce.FAILURES.get() - failuresBefore).isEqualTo(1); // it did fail once
    // Spark drops the accumulator updates of the failed attempt
    assertThat(counters.scored() + counters.failed()).isEqualTo(20_000);
  }

  private static List<Row> sorted(List<Row> rows) {
    return rows.stream()
        .sorted((a, b) -> Long.compare(a.getLong(0), b.getLong(0)))
        .map(MemoryScoringTest::comparable)
        .toList();
  }

  /** Rows with arrays as lists, so that equals compares values. */
  private static Row comparable(Row r) {
    Object[] v = new Object[r.length()];
    for (int i = 0; i < v.length; i++) {
      Object o = r.get(i);
      v[i] = o instanceof scala.collection.Seq<?> s ? r.getList(i) : o;
    }
    return RowFactory.create(v);
  }

  @Test
  void score_numericVectorAndStringColumns_reachTheModelAsTensors() {
    StructType schema =
        new StructType(
            new StructField[] {
              new StructField("id", DataTypes.IntegerType, false, Metadata.empty()),
              new StructField("a", DataTypes.DoubleType, false, Metadata.empty()),
              new StructField("b", DataTypes.LongType, false, Metadata.empty()),
              new StructField("v", new VectorUDT(), false, Metadata.empty()),
              new StructField("s", DataTypes.StringType, true, Metadata.empty())
            });
    List<Row> data =
        List.of(
            RowFactory.create(1, 1.5, 10L, Vectors.dense(0.25, 0.5, 0.75), "héllo"),
            RowFactory.create(
                2, -2.0, 20L, Vectors.sparse(3, new int[] {1}, new double[] {9}), "b"),
            RowFactory.create(3, 0.0, 30L, Vectors.dense(1, 2, 3), null));
    Dataset<Row> df = spark.createDataFrame(data, schema).repartition(1);
    // the memory provider's identity predictor echoes each input; the model has no signature
    ClientFactory echo =
        () -> {
          ServingClient c = Serve4j.client("memory");
          c.deploy(
                  EndpointSpec.of("echo", Model.builder().name("echo").artifact("file:/e").build()))
              .await();
          return c;
        };
    ScoringSpec spec =
        ScoringSpec.builder()
            .client(echo)
            .endpoint("echo")
            .input(InputMapping.of("ab", DataType.FP32, "a", "b"))
            .input(InputMapping.of("v", "v"))
            .input(InputMapping.of("s", "s"))
            .output(OutputColumn.array("ab", "ab_out").withType(DataType.FP32))
            .output(OutputColumn.array("v", "v_out").withType(DataType.FP64))
            .output(OutputColumn.scalar("s", "s_out").withType(DataType.BYTES))
            .build();
    List<Row> out = Serve4jSpark.score(df, spec).orderBy("id").collectAsList();
    assertThat(out.get(0).getList(5)).containsExactly(1.5f, 10f);
    assertThat(out.get(0).getList(6)).containsExactly(0.25, 0.5, 0.75);
    assertThat(out.get(0).getString(7)).isEqualTo("héllo");
    assertThat(out.get(1).getList(5)).containsExactly(-2f, 20f);
    assertThat(out.get(1).getList(6)).containsExactly(0.0, 9.0, 0.0);
    assertThat(out.get(1).getString(7)).isEqualTo("b");
    assertThat(out.get(1).isNullAt(8)).isTrue();
    // the null string is a bad row; its neighbours are scored
    assertThat(out.get(2).isNullAt(5)).isTrue();
    assertThat(out.get(2).<Row>getAs("serve4j_error").getString(1))
        .isEqualTo("column 's' of input 's' has a null value");
  }

  @Test
  void score_whenAColumnIsMissingOrTheWrongKind_failsOnTheDriverWithInvalidInput() {
    Dataset<Row> df = rows(10, 1);
    assertThatThrownBy(
            () -> Serve4jSpark.score(df, statsSpec().input(InputMapping.of("x", "nope")).build()))
        .isInstanceOf(io.serve4j.InvalidInputException.class)
        .hasMessageContaining("'nope'");
    assertThatThrownBy(() -> Serve4jSpark.score(df.withColumn("y", expr("1")), statsSpec().build()))
        .isInstanceOf(io.serve4j.InvalidInputException.class)
        .hasMessageContaining("output column 'y' is already a column");
    assertThatThrownBy(
            () ->
                Serve4jSpark.score(
                    df.withColumn("t", expr("'text'")),
                    ScoringSpec.builder()
                        .client(MemoryScoringTest::statsClient)
                        .endpoint("stats")
                        .input(InputMapping.of("x", "t"))
                        .output(OutputColumn.array("y"))
                        .build()))
        .isInstanceOf(io.serve4j.InvalidInputException.class)
        .hasMessageContaining("cannot feed input 'x' of type FP32");
    assertThatThrownBy(
            () ->
                Serve4jSpark.score(
                    df.withColumn("b", expr("true")),
                    ScoringSpec.builder()
                        .client(MemoryScoringTest::statsClient)
                        .endpoint("stats")
                        .input(InputMapping.of("x", "b"))
                        .output(OutputColumn.array("y"))
                        .build()))
        .isInstanceOf(io.serve4j.InvalidInputException.class)
        .hasMessageContaining("column 'b' (boolean) cannot feed input 'x' of type FP32");
    assertThat(Arrays.asList(Serve4jSpark.score(df, statsSpec().build()).columns()))
        .containsExactly("id", "features", "y", "serve4j_error");
  }
}
