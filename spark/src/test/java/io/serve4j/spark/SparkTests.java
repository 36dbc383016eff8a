package io.serve4j.spark;

import org.apache.spark.sql.SparkSession;

/** The one Spark session of the module's tests: local[2], a task may be retried once. */
final class SparkTests {
  private SparkTests() {}

  static synchronized SparkSession session() {
    return SparkSession.builder()
        .master("local[2,2]") // two slots; maxFailures 2, so a task is retried once
        .appName("serve4j-spark-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate();
  }
}
