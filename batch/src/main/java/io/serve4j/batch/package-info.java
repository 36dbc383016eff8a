/**
 * Batch scoring: score JSON Lines or CSV files through any serve4j {@link io.serve4j.Endpoint} with
 * micro-batching, bounded concurrency, retries, a dead-letter file, checkpoint and resume, and
 * progress reporting.
 *
 * <p>Start with {@link io.serve4j.batch.BatchScorer}:
 *
 * <pre>{@code
 * BatchResult result = BatchScorer.builder()
 *     .endpoint(client.endpoint("mlp"))
 *     .input("data/*.jsonl.gz")
 *     .map(FieldMapping.of("x", "features"))
 *     .idField("id")
 *     .output(Path.of("scores.jsonl"))
 *     .listener(ProgressPrinter.auto(System.err))
 *     .build()
 *     .run();
 * }</pre>
 */
package io.serve4j.batch;
