package io.serve4j.batch.internal;

import io.serve4j.Endpoint;
import io.serve4j.batch.BatchListener;
import io.serve4j.batch.FieldMapping;
import io.serve4j.batch.RecordFormat;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything a scoring job needs, as the public builder assembled it.
 *
 * @param endpoint the endpoint
 * @param inputs input specs (files, directories, globs)
 * @param inputFormat forced input format or null to guess from names
 * @param mappings field mappings
 * @param idField field holding the record id, or null for line numbers
 * @param outputs outputs to write, empty for all the signature has (or the response has)
 * @param output output file
 * @param outputFormat output format
 * @param deadLetter dead-letter file
 * @param checkpoint checkpoint file
 * @param restart whether to ignore an existing checkpoint and start over
 * @param overwrite whether an existing output or dead-letter file no checkpoint accounts for may be
 *     replaced
 * @param batchSize records per request when the model is batchable
 * @param concurrency requests in flight
 * @param retry retry policy
 * @param stopOnFirstError whether the first failed record stops the job
 * @param checkpointInterval least time between two checkpoints
 * @param progressInterval least time between two progress events
 * @param countRecords whether to count input records first (for percent and ETA)
 * @param listeners listeners
 */
public record JobSettings(
    Endpoint endpoint,
    List<String> inputs,
    RecordFormat inputFormat,
    List<FieldMapping> mappings,
    String idField,
    List<String> outputs,
    Path output,
    RecordFormat outputFormat,
    Path deadLetter,
    Path checkpoint,
    boolean restart,
    boolean overwrite,
    int batchSize,
    int concurrency,
    io.serve4j.RetryPolicy retry,
    boolean stopOnFirstError,
    Duration checkpointInterval,
    Duration progressInterval,
    boolean countRecords,
    List<BatchListener> listeners) {}
