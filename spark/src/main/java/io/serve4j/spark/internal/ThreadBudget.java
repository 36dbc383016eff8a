package io.serve4j.spark.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ONNX Runtime intra-op threads per session so that an executor's task slots, each running its own
 * batches concurrently on one shared session, do not ask for more threads than the executor has
 * cores: {@code max(1, cores / slots)}.
 */
public final class ThreadBudget {
  private static final Pattern LOCAL = Pattern.compile("local\\[(\\*|\\d+)(?:,\\s*\\d+)?]");

  private ThreadBudget() {}

  /**
   * Computes the threads.
   *
   * @param master {@code spark.master}, or null
   * @param executorCores {@code spark.executor.cores}, or 0 when unset
   * @param taskCpus {@code spark.task.cpus}
   * @param processors the JVM's available processors
   * @return at least 1
   */
  public static int intraOpThreads(String master, int executorCores, int taskCpus, int processors) {
    int cores;
    if (master != null && master.startsWith("local")) {
      cores = processors;
      int slots = 1;
      Matcher m = LOCAL.matcher(master);
      if (m.matches()) {
        slots = m.group(1).equals("*") ? processors : Integer.parseInt(m.group(1));
      }
      return Math.max(1, cores / Math.max(1, slots));
    }
    cores = executorCores > 0 ? Math.min(executorCores, processors) : processors;
    int slots =
        Math.max(1, (executorCores > 0 ? executorCores : processors) / Math.max(1, taskCpus));
    return Math.max(1, cores / slots);
  }
}
