package io.serve4j.spark.internal;

import java.nio.file.Path;
import java.util.Iterator;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkFiles;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The task side: finds this JVM's endpoint and scores the partition. */
public final class ScoreFunction implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(ScoreFunction.class);

  private final ScoringPlan plan;
  private final LongAccumulator scored;
  private final LongAccumulator failed;

  /**
   * Creates the function.
   *
   * @param plan the plan
   * @param scored counts rows scored
   * @param failed counts rows failed
   */
  public ScoreFunction(ScoringPlan plan, LongAccumulator scored, LongAccumulator failed) {
    this.plan = plan;
    this.scored = scored;
    this.failed = failed;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    ExecutorClients.Handle handle = handle(plan);
    PartitionScorer scorer =
        new PartitionScorer(
            plan,
            handle,
            (ok, bad) -> {
              scored.add(ok);
              failed.add(bad);
            },
            rows);
    TaskContext tc = TaskContext.get();
    if (tc != null) {
      int partition = tc.partitionId();
      int attempt = tc.attemptNumber();
      tc.addTaskCompletionListener(
          (org.apache.spark.util.TaskCompletionListener)
              ctx ->
                  LOG.info(
                      "serve4j-spark: partition {} (attempt {}) scored {} row(s), {} failed",
                      partition,
                      attempt,
                      scorer.scored(),
                      scorer.failed()));
    }
    return scorer;
  }

  /**
   * This JVM's handle for a plan: the shipped model is found among Spark's files and its SHA-256
   * checked before it is deployed.
   *
   * @param plan the plan
   * @return the handle
   */
  static ExecutorClients.Handle handle(ScoringPlan plan) {
    Path model = plan.shippedFile == null ? null : Path.of(SparkFiles.get(plan.shippedFile));
    return ExecutorClients.handle(
        plan.spec, plan.clientKey, model, plan.modelSha256, threads(plan.spec));
  }

  /**
   * The ONNX Runtime threads of a local model in this JVM.
   *
   * @param spec the spec
   * @return the threads
   */
  public static int threads(io.serve4j.spark.ScoringSpec spec) {
    if (spec.intraOpThreads() > 0) {
      return spec.intraOpThreads();
    }
    SparkEnv env = SparkEnv.get();
    SparkConf conf = env == null ? new SparkConf(false) : env.conf();
    return ThreadBudget.intraOpThreads(
        conf.get("spark.master", null),
        conf.getInt("spark.executor.cores", 0),
        conf.getInt("spark.task.cpus", 1),
        Runtime.getRuntime().availableProcessors());
  }
}
