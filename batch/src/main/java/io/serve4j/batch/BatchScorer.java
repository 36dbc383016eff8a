package io.serve4j.batch;

import io.serve4j.Endpoint;
import io.serve4j.batch.internal.JobSettings;
import io.serve4j.batch.internal.ScoringJob;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Scores JSON Lines or CSV records through an {@link Endpoint} and writes the results, in input
 * order, to a JSON Lines or CSV file.
 *
 * <pre>{@code
 * BatchResult result = BatchScorer.builder()
 *     .endpoint(client.endpoint("mlp"))
 *     .input("data/")                                // files, directories, globs; .gz too
 *     .map(FieldMapping.of("x", "features"))          // field -> model input
 *     .idField("id")
 *     .output(Path.of("scores.jsonl"))
 *     .listener(ProgressPrinter.auto(System.err))
 *     .build()
 *     .run();
 * }</pre>
 *
 * <p><b>Up front</b>, {@link #run()} describes the endpoint and checks every mapping against the
 * model's signature (every deployment's, when traffic is split): an unknown input, a wrong type, a
 * contradicting shape or an unmapped input fails with {@link io.serve4j.InvalidInputException}
 * before any record is sent.
 *
 * <p><b>Micro-batching</b>: when every input and output of the signature has a dynamic first
 * dimension and every record is one row, up to {@link Builder#batchSize batchSize} records go in
 * one request and the outputs are split back per record: each record's values are parsed straight
 * into its row of the batch's buffers (one direct buffer per input, reused from batch to batch),
 * and a record that fails to map takes no row, so it never changes what its batch-mates send.
 * Otherwise each record is its own request. At most {@link Builder#concurrency concurrency}
 * requests are in flight. Retryable failures are retried by the endpoint's client (core's {@link
 * io.serve4j.RetryPolicy}); {@link Builder#retry} adds job-level retries on top only if asked. If a
 * whole batch still fails, its records are sent one by one so that only the failing ones fail.
 *
 * <p><b>Errors</b>: a record that cannot be parsed, mapped or scored goes to the dead-letter file
 * (JSON Lines: file, line, id, category, reason, the record's text) and the job goes on, unless
 * {@link Builder#stopOnFirstError stopOnFirstError} is set.
 *
 * <p><b>Checkpoint and resume</b>: the output and dead-letter files are fsynced and a checkpoint
 * (records done, committed file lengths) is written atomically every {@link
 * Builder#checkpointInterval checkpoint interval}. The commit runs on its own thread while scoring
 * and writing go on; its lengths are taken at a batch boundary before the fsync, so a checkpoint
 * never counts a record whose output is not on disk, and commits never overlap. A commit that fails
 * stops the job, and nothing later is committed. A job killed at any point (even with SIGKILL) and
 * run again with the same settings cuts both files back to the checkpoint and carries on, so every
 * input record ends up in the output or the dead-letter file exactly once. A job whose checkpoint
 * says it is complete does nothing when run again; set {@link Builder#restart restart} to score
 * again. A checkpoint of a different job (other input files, sizes or modification times, mapping,
 * id field, outputs or output file) is refused unless restarting.
 *
 * <p><b>The user's files</b>: {@link #run()} refuses (with {@link
 * io.serve4j.InvalidInputException}, before writing anything) an output, dead-letter or checkpoint
 * file that is an input or another of them, by name, through a symbolic link or as a hard link. It
 * holds an exclusive lock for the whole run (an operating-system lock on {@code OUTPUT.lock},
 * deleted at the end): a second run on the same output, in another process or this JVM, fails at
 * once with {@link JobLockedException}. An existing output or dead-letter file that no checkpoint
 * of this job accounts for is refused with {@link io.serve4j.ConflictException} and left as it was,
 * unless {@link Builder#overwrite overwrite} is set. Files are created {@code CREATE_NEW} and
 * opened {@code NOFOLLOW_LINKS}, and the checkpoint is written to a new temporary file renamed into
 * place, so a symbolic link planted at any of these names is refused or replaced, never written
 * through.
 *
 * <p>The scorer is immutable; {@link #run()} may be called again (it resumes or returns at once).
 */
public final class BatchScorer {
  private final JobSettings settings;

  private BatchScorer(JobSettings settings) {
    this.settings = settings;
  }

  /**
   * Starts a builder.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Runs the job to the end, resuming from a checkpoint if there is one. Blocks the calling thread,
   * which reads the input; a writer thread writes the output, and a commit thread fsyncs it and
   * writes the checkpoints.
   *
   * @return the outcome
   * @throws io.serve4j.InvalidInputException if the mapping contradicts the signature, an input
   *     matches no file, a CSV header lacks a mapped column, the output, dead-letter file or
   *     checkpoint is an input or another of them, or the checkpoint belongs to another job
   * @throws JobLockedException if another run of the job (same output) is running
   * @throws io.serve4j.ConflictException if an existing output or dead-letter file is not this
   *     job's and overwrite is not set, or a symbolic link is where the checkpoint goes
   * @throws io.serve4j.ServingException of the failing record's category when {@code
   *     stopOnFirstError} is set, or the endpoint's error if it cannot be described
   * @throws java.io.UncheckedIOException if a file cannot be read or written
   */
  public BatchResult run() {
    return ScoringJob.run(settings);
  }

  /** Builds a {@link BatchScorer}. Not thread-safe. */
  public static final class Builder {
    private Endpoint endpoint;
    private final List<String> inputs = new ArrayList<>();
    private RecordFormat inputFormat;
    private final List<FieldMapping> mappings = new ArrayList<>();
    private String idField;
    private final List<String> outputs = new ArrayList<>();
    private Path output;
    private RecordFormat outputFormat;
    private Path deadLetter;
    private Path checkpoint;
    private boolean restart;
    private boolean overwrite;
    private int batchSize = 32;
    private int concurrency = 4;
    private io.serve4j.RetryPolicy retry = io.serve4j.RetryPolicy.none();
    private boolean stopOnFirstError;
    private Duration checkpointInterval = Duration.ofSeconds(1);
    private Duration progressInterval = Duration.ofMillis(200);
    private boolean countRecords = true;
    private final List<BatchListener> listeners = new ArrayList<>();

    private Builder() {}

    /**
     * Sets the endpoint to score through. Required.
     *
     * @param endpoint the endpoint
     * @return this builder
     */
    public Builder endpoint(Endpoint endpoint) {
      this.endpoint = Objects.requireNonNull(endpoint);
      return this;
    }

    /**
     * Adds inputs: files, directories (their {@code .jsonl}, {@code .ndjson}, {@code .json}, {@code
     * .csv} files, optionally {@code .gz}, recursively) or globs such as {@code
     * data/part-*.jsonl.gz}. All files are read in path order. At least one is required.
     *
     * @param specs the inputs
     * @return this builder
     */
    public Builder input(String... specs) {
      inputs.addAll(Arrays.asList(specs));
      return this;
    }

    /**
     * Adds an input file or directory.
     *
     * @param path the path
     * @return this builder
     */
    public Builder input(Path path) {
      inputs.add(path.toString());
      return this;
    }

    /**
     * Forces the input format; by default each file's is guessed from its name.
     *
     * @param format the format
     * @return this builder
     */
    public Builder inputFormat(RecordFormat format) {
      this.inputFormat = format;
      return this;
    }

    /**
     * Adds field mappings, one per model input. Required.
     *
     * @param mapping the mappings
     * @return this builder
     */
    public Builder map(FieldMapping... mapping) {
      mappings.addAll(Arrays.asList(mapping));
      return this;
    }

    /**
     * Sets the field or column holding each record's id, copied to the output. By default the id is
     * the record's line number ({@code file:line} when there are several input files).
     *
     * @param field the field
     * @return this builder
     */
    public Builder idField(String field) {
      this.idField = field;
      return this;
    }

    /**
     * Chooses the outputs to write, in this order; by default all of the signature's.
     *
     * @param names the output names
     * @return this builder
     */
    public Builder outputs(String... names) {
      outputs.addAll(Arrays.asList(names));
      return this;
    }

    /**
     * Sets the output file. Required. Its format comes from its name ({@code .csv} or JSON Lines)
     * unless set.
     *
     * @param file the file; created by a fresh job (an existing file is refused unless {@link
     *     #overwrite}), appended to by a resumed one
     * @return this builder
     */
    public Builder output(Path file) {
      this.output = file;
      return this;
    }

    /**
     * Forces the output format.
     *
     * @param format the format
     * @return this builder
     */
    public Builder outputFormat(RecordFormat format) {
      this.outputFormat = format;
      return this;
    }

    /**
     * Sets the dead-letter file; default the output's name plus {@code .errors.jsonl}.
     *
     * @param file the file
     * @return this builder
     */
    public Builder deadLetter(Path file) {
      this.deadLetter = file;
      return this;
    }

    /**
     * Sets the checkpoint file; default the output's name plus {@code .checkpoint}.
     *
     * @param file the file
     * @return this builder
     */
    public Builder checkpoint(Path file) {
      this.checkpoint = file;
      return this;
    }

    /**
     * Ignores (deletes) an existing checkpoint and scores everything again; default false.
     *
     * @param restart whether to start over
     * @return this builder
     */
    public Builder restart(boolean restart) {
      this.restart = restart;
      return this;
    }

    /**
     * Allows replacing an existing output or dead-letter file that no checkpoint of this job
     * accounts for; default false, so that such a file is refused with a {@link
     * io.serve4j.ConflictException} and left as it was. The file (or a symbolic link in its place)
     * is removed and a new file created; a link's target is never written.
     *
     * @param overwrite whether to replace an existing file
     * @return this builder
     */
    public Builder overwrite(boolean overwrite) {
      this.overwrite = overwrite;
      return this;
    }

    /**
     * Sets the records per request when the model is batchable; default 32.
     *
     * @param records at least 1
     * @return this builder
     */
    public Builder batchSize(int records) {
      if (records < 1) {
        throw new IllegalArgumentException("batchSize must be >= 1, was " + records);
      }
      this.batchSize = records;
      return this;
    }

    /**
     * Sets the requests in flight at once; default 4.
     *
     * @param requests at least 1
     * @return this builder
     */
    public Builder concurrency(int requests) {
      if (requests < 1) {
        throw new IllegalArgumentException("concurrency must be >= 1, was " + requests);
      }
      this.concurrency = requests;
      return this;
    }

    /**
     * Sets job-level retries, on top of the endpoint client's own {@link io.serve4j.RetryPolicy};
     * default {@link io.serve4j.RetryPolicy#none()}, so that the client's policy is the only layer
     * (configure retries there with {@code Serve4j.builder().retryPolicy(...)}).
     *
     * @param retry the policy
     * @return this builder
     */
    public Builder retry(io.serve4j.RetryPolicy retry) {
      this.retry = Objects.requireNonNull(retry);
      return this;
    }

    /**
     * Stops the job at the first record that fails instead of dead-lettering it; default false.
     * What came before is committed, so running the job again resumes at that record.
     *
     * @param stop whether to stop
     * @return this builder
     */
    public Builder stopOnFirstError(boolean stop) {
      this.stopOnFirstError = stop;
      return this;
    }

    /**
     * Sets the least time between two checkpoints; default 1 s. Shorter loses less work on a kill;
     * each checkpoint costs an fsync of each file and of the checkpoint, on a thread of its own
     * (the writer does not wait for it; if a commit is still running when the next is due, the next
     * waits for it and for the next batch).
     *
     * @param interval the interval; zero checkpoints after every batch
     * @return this builder
     */
    public Builder checkpointInterval(Duration interval) {
      this.checkpointInterval = Objects.requireNonNull(interval);
      return this;
    }

    /**
     * Sets the least time between two {@link BatchListener#onProgress} calls; default 200 ms.
     *
     * @param interval the interval
     * @return this builder
     */
    public Builder progressInterval(Duration interval) {
      this.progressInterval = Objects.requireNonNull(interval);
      return this;
    }

    /**
     * Whether to count the input records before scoring, for percentages and ETA; default true. The
     * count is only shown to listeners, so a job without a listener never counts.
     *
     * @param count whether to count
     * @return this builder
     */
    public Builder countRecords(boolean count) {
      this.countRecords = count;
      return this;
    }

    /**
     * Adds a listener, e.g. {@link ProgressPrinter#auto}.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(BatchListener listener) {
      listeners.add(Objects.requireNonNull(listener));
      return this;
    }

    /**
     * Builds the scorer.
     *
     * @return the scorer
     * @throws IllegalStateException if the endpoint, an input, a mapping or the output is missing
     */
    public BatchScorer build() {
      if (endpoint == null) {
        throw new IllegalStateException("set the endpoint to score through");
      }
      if (inputs.isEmpty()) {
        throw new IllegalStateException("add at least one input file, directory or glob");
      }
      if (output == null) {
        throw new IllegalStateException("set the output file");
      }
      RecordFormat of =
          outputFormat != null
              ? outputFormat
              : RecordFormat.fromFileName(output).orElse(RecordFormat.JSONL);
      Path dl = deadLetter != null ? deadLetter : sibling(output, ".errors.jsonl");
      Path cp = checkpoint != null ? checkpoint : sibling(output, ".checkpoint");
      return new BatchScorer(
          new JobSettings(
              endpoint,
              List.copyOf(inputs),
              inputFormat,
              List.copyOf(mappings),
              idField,
              List.copyOf(outputs),
              output,
              of,
              dl,
              cp,
              restart,
              overwrite,
              batchSize,
              concurrency,
              retry,
              stopOnFirstError,
              checkpointInterval,
              progressInterval,
              countRecords,
              List.copyOf(listeners)));
    }

    private static Path sibling(Path file, String suffix) {
      return file.resolveSibling(file.getFileName() + suffix);
    }
  }
}
