package io.serve4j.spark;

import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import io.serve4j.spark.internal.ExecutorClients;
import io.serve4j.spark.internal.ModelFiles;
import io.serve4j.spark.internal.ScoreFunction;
import io.serve4j.spark.internal.ScoringPlan;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Scores a DataFrame through a serve4j endpoint: a local ONNX model shipped to the executors, or a
 * SageMaker, Azure ML or Vertex AI endpoint.
 *
 * <pre>{@code
 * Dataset<Row> scored = Serve4jSpark.score(df, ScoringSpec.builder()
 *     .model(Path.of("mlp.onnx"))
 *     .input(InputMapping.of("x", "features"))
 *     .output(OutputColumn.array("y", "scores"))
 *     .build());
 * scored.filter("serve4j_error IS NOT NULL").show();  // the bad rows and why
 * }</pre>
 *
 * <p>The result has the input's columns, the output columns and the error column (null for rows
 * scored). Each executor JVM opens one client, shared by its tasks and closed at shutdown, and
 * bounds its requests in flight; rows are sent in micro-batches. Scoring is deterministic, so task
 * retries and speculative execution produce identical output.
 */
public final class Serve4jSpark {
  private Serve4jSpark() {}

  /**
   * Scores a DataFrame, counting rows into accumulators named {@code serve4j.scored} and {@code
   * serve4j.failed}.
   *
   * @param df the rows
   * @param spec what to score and how
   * @return the scored rows (lazy: nothing runs until an action)
   * @throws io.serve4j.InvalidInputException if the mapping does not fit the columns or the
   *     endpoint's signature
   * @throws io.serve4j.ModelLoadException if the model file cannot be read or its SHA-256 is not
   *     the one pinned
   * @throws ServingException if the endpoint cannot be reached or described from the driver
   */
  public static Dataset<Row> score(Dataset<Row> df, ScoringSpec spec) {
    return score(df, spec, ScoringCounters.register(df.sparkSession().sparkContext()));
  }

  /**
   * Scores a DataFrame, counting rows into the given counters.
   *
   * @param df the rows
   * @param spec what to score and how
   * @param counters where to count
   * @return the scored rows (lazy)
   * @throws ServingException as {@link #score(Dataset, ScoringSpec)}
   */
  public static Dataset<Row> score(Dataset<Row> df, ScoringSpec spec, ScoringCounters counters) {
    ScoringPlan plan = plan(df.sparkSession(), df.schema(), spec);
    ScoreFunction f = new ScoreFunction(plan, counters.scoredRows(), counters.failedRows());
    return df.mapPartitions(f, Encoders.row(plan.schema()));
  }

  /**
   * Returns the schema {@link #score} produces for an input schema, asking the endpoint for its
   * signature.
   *
   * @param spark the session
   * @param in the input schema
   * @param spec the spec
   * @return the output schema
   */
  public static StructType outputSchema(SparkSession spark, StructType in, ScoringSpec spec) {
    return plan(spark, in, spec).schema();
  }

  private static ScoringPlan plan(SparkSession spark, StructType in, ScoringSpec spec) {
    String shipped = null;
    String sha = null;
    Path file = spec.modelFile().orElse(null);
    if (file != null) {
      sha = ModelFiles.sha256(file);
      if (spec.modelSha256().isPresent() && !spec.modelSha256().get().equals(sha)) {
        throw ServingException.builder(ErrorCategory.MODEL_LOAD)
            .message(
                "the model file "
                    + file
                    + " has SHA-256 "
                    + sha
                    + ", not the pinned "
                    + spec.modelSha256().get())
            .build();
      }
      spark.sparkContext().addFile(file.toString());
      shipped = file.getFileName().toString();
    }
    // The driver asks the endpoint for its signature once (a local model is deployed here too;
    // in local mode the executors share it).
    ExecutorClients.Handle h =
        ExecutorClients.handle(
            spec, ScoringPlan.clientKey(spec), file, sha, ScoreFunction.threads(spec));
    return ScoringPlan.resolve(spec, in, h.signature(), shipped, sha);
  }
}
