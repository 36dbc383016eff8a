package io.serve4j.spark;

import static org.apache.spark.sql.functions.expr;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.serve4j.spark.internal.ThreadBudget;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkFiles;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Throughput of serve4j-spark on the MLP (64 -> 128 -> 10), not a unit test: run it by hand
 * (command in BENCHMARKS.md). For local[1] and local[2] it scores the same cached rows with
 * serve4j-spark and with a plain {@code mapPartitions} that calls ONNX Runtime directly (one
 * session per JVM, the same batch size and intra-op threads), and prints rows/s and the ratios.
 *
 * <p>Args: rows (200000), batch size (256), timed repetitions (3).
 */
public final class SparkThroughputHarness {
  static final int IN = 64;
  static final int HIDDEN = 128;
  static final int OUT = 10;

  private SparkThroughputHarness() {}

  /**
   * Runs the harness.
   *
   * @param args rows, batch size, repetitions
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 256;
    int reps = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    Path dir = Files.createTempDirectory("serve4j-spark-harness");
    Path model = MlpModel.write(dir.resolve("mlp.onnx"), IN, HIDDEN, OUT);
    double[][] results = new double[2][];
    for (int slots = 1; slots <= 2; slots++) {
      results[slots - 1] = run("local[" + slots + "]", model, rows, batch, reps);
    }
    System.out.printf(
        Locale.ROOT,
        "%nMLP %d->%d->%d, %d rows, batch %d, best of %d; load average before/after: see above%n",
        IN,
        HIDDEN,
        OUT,
        rows,
        batch,
        reps);
    System.out.printf(
        Locale.ROOT,
        "serve4j-spark  local[1] %,.0f rows/s  local[2] %,.0f rows/s  ratio %.2f%n",
        results[0][0],
        results[1][0],
        results[1][0] / results[0][0]);
    System.out.printf(
        Locale.ROOT,
        "plain ORT      local[1] %,.0f rows/s  local[2] %,.0f rows/s  ratio %.2f%n",
        results[0][1],
        results[1][1],
        results[1][1] / results[0][1]);
    System.out.printf(
        Locale.ROOT,
        "serve4j-spark / plain ORT: local[1] %.2f  local[2] %.2f%n",
        results[0][0] / results[0][1],
        results[1][0] / results[1][1]);
  }

  private static double[] run(String master, Path model, int rows, int batch, int reps)
      throws Exception {
    SparkSession spark =
        SparkSession.builder()
            .master(master)
            .appName("serve4j-spark-harness")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .getOrCreate();
    try {
      int slots = Integer.parseInt(master.replaceAll("\\D", ""));
      Dataset<Row> df =
          spark
              .range(0, rows, 1, slots * 4)
              .withColumn(
                  "features",
                  expr(
                      "transform(sequence(0, "
                          + (IN - 1)
                          + "), i -> cast(sin(id * 0.001D + i) AS float))"))
              .cache();
      df.count();
      ScoringSpec spec =
          ScoringSpec.builder()
              .model(model)
              .input(InputMapping.of("x", "features"))
              .output(OutputColumn.array("y"))
              .batchSize(batch)
              .maxInFlight(slots)
              .build();
      spark.sparkContext().addFile(model.toString());
      StructType plainSchema =
          df.schema().add("y", DataTypes.createArrayType(DataTypes.FloatType, false));
      if (Boolean.getBoolean("plain.errorColumn")) {
        plainSchema =
            plainSchema.add("serve4j_error", io.serve4j.spark.internal.ScoringPlan.ERROR_TYPE);
      }
      StructType plainOut = plainSchema;
      Runnable serve4j =
          () -> Serve4jSpark.score(df, spec).write().format("noop").mode("overwrite").save();
      Runnable plain =
          () ->
              df.mapPartitions(
                      new PlainOrt(model.getFileName().toString(), batch), Encoders.row(plainOut))
                  .write()
                  .format("noop")
                  .mode("overwrite")
                  .save();
      serve4j.run(); // warm-up: deploy, JIT
      plain.run();
      double bestServe4j = 0;
      double bestPlain = 0;
      for (int r = 0; r < reps; r++) { // interleaved, so that load changes hit both alike
        bestServe4j = Math.max(bestServe4j, rowsPerSecond(serve4j, rows));
        bestPlain = Math.max(bestPlain, rowsPerSecond(plain, rows));
      }
      System.out.printf(
          Locale.ROOT,
          "%s: serve4j-spark %,.0f rows/s, plain ORT %,.0f rows/s%n",
          master,
          bestServe4j,
          bestPlain);
      df.unpersist();
      return new double[] {bestServe4j, bestPlain};
    } finally {
      spark.stop();
      PlainOrt.close();
    }
  }

  private static double rowsPerSecond(Runnable job, int rows) {
    long t0 = System.nanoTime();
    job.run();
    return rows / ((System.nanoTime() - t0) / 1e9);
  }

  /** The baseline: ONNX Runtime called directly, one session per JVM, same batching. */
  static final class PlainOrt implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private static OrtSession session;
    private static final boolean ERROR_COLUMN = Boolean.getBoolean("plain.errorColumn");
    private final String file;
    private final int batch;

    PlainOrt(String file, int batch) {
      this.file = file;
      this.batch = batch;
    }

    static synchronized OrtSession session(String file) throws OrtException {
      if (session == null) {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        var conf = SparkEnv.get().conf();
        o.setIntraOpNumThreads(
            ThreadBudget.intraOpThreads(
                conf.get("spark.master", null),
                conf.getInt("spark.executor.cores", 0),
                conf.getInt("spark.task.cpus", 1),
                Runtime.getRuntime().availableProcessors()));
        session = OrtEnvironment.getEnvironment().createSession(SparkFiles.get(file), o);
      }
      return session;
    }

    static synchronized void close() throws OrtException {
      if (session != null) {
        session.close();
        session = null;
      }
    }

    @Override
    public Iterator<Row> call(Iterator<Row> in) throws Exception {
      OrtSession s = session(file);
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      float[] x = new float[batch * IN];
      return new Iterator<>() {
        final List<Row> pending = new ArrayList<>(batch);
        Row[] ready = new Row[0];
        int at;

        @Override
        public boolean hasNext() {
          if (at < ready.length) {
            return true;
          }
          if (!in.hasNext()) {
            return false;
          }
          pending.clear();
          int n = 0;
          while (n < batch && in.hasNext()) {
            Row r = in.next();
            scala.collection.Seq<?> f = r.getAs(1);
            for (int i = 0; i < IN; i++) {
              x[n * IN + i] = (Float) f.apply(i);
            }
            pending.add(r);
            n++;
          }
          try (OnnxTensor t =
                  OnnxTensor.createTensor(env, FloatBuffer.wrap(x, 0, n * IN), new long[] {n, IN});
              OrtSession.Result res = s.run(java.util.Map.of("x", t))) {
            float[][] y = (float[][]) res.get(0).getValue();
            ready = new Row[n];
            for (int k = 0; k < n; k++) {
              Row r = pending.get(k);
              ready[k] =
                  ERROR_COLUMN
                      ? RowFactory.create(r.get(0), r.get(1), y[k], null)
                      : RowFactory.create(r.get(0), r.get(1), y[k]);
            }
            at = 0;
          } catch (OrtException e) {
            throw new IllegalStateException(e);
          }
          return true;
        }

        @Override
        public Row next() {
          if (!hasNext()) {
            throw new java.util.NoSuchElementException();
          }
          return ready[at++];
        }
      };
    }
  }
}
