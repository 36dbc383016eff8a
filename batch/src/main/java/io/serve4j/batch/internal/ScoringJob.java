package io.serve4j.batch.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import io.serve4j.DeploymentDescription;
import io.serve4j.EndpointDescription;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.ModelSignature;
import io.serve4j.ServingException;
import io.serve4j.Tensor;
import io.serve4j.TensorSpec;
import io.serve4j.batch.BatchProgress;
import io.serve4j.batch.BatchResult;
import io.serve4j.spi.Wire;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Runs one batch job: the calling thread reads records, maps them and sends micro-batches (at most
 * {@code concurrency} in flight); a writer thread takes the batches in submission order, waits for
 * each, appends results to the output and failures to the dead-letter file, and from time to time
 * hands a checkpoint to a commit thread ({@link Committer}) that forces the files and writes it
 * while the writer goes on.
 *
 * <p>Exactly-once output under SIGKILL holds by construction: records are written strictly in input
 * order; a checkpoint (records consumed, lengths of both files taken at a batch boundary before the
 * fsync) is written atomically only after both files were fsynced; a restart cuts both files back
 * to the checkpoint's lengths and skips the checkpoint's number of records. So the files always
 * hold exactly the first {@code records} records, once.
 */
public final class ScoringJob {
  private static final Batch END = new Batch(List.of(), null);

  private final JobSettings s;
  private final long startNanos = System.nanoTime();
  private volatile RuntimeException failure;
  private volatile boolean ioBroken;

  /**
   * A record on its way: its id, its inputs (its row of the batch's {@link BatchRows}, or its own
   * tensors when the inputs are not of a fixed width), then its outputs or its error.
   */
  private static final class Slot {
    final SourceRecord record;
    JsonNode id;
    List<Tensor> inputs;

    /** The record's row in its batch's {@link BatchRows}, or -1. */
    int inputRow = -1;

    /** The call's outputs, decoded once for the batch; this record's values are row {@code row}. */
    OutputRows[] outputs;

    int row;
    ErrorCategory errorCategory;
    String error;

    Slot(SourceRecord record) {
      this.record = record;
    }

    void fail(ErrorCategory category, String reason) {
      this.errorCategory = category;
      this.error = reason;
    }
  }

  /**
   * Records sent together; the future completes (normally) once every slot has an outcome, and
   * every call that read {@code rows} is complete.
   */
  private static final class Batch {
    final List<Slot> slots;
    final BatchRows rows; // the valid slots' inputs, row by row in slot order; null without rows
    CompletableFuture<Void> done;

    Batch(List<Slot> slots, BatchRows rows) {
      this.slots = slots;
      this.rows = rows;
    }

    List<Tensor> inputs(Slot x) {
      return x.inputs != null ? x.inputs : rows.row(x.inputRow);
    }
  }

  private ScoringJob(JobSettings settings) {
    this.s = settings;
  }

  /**
   * Runs a job to the end.
   *
   * @param settings the job
   * @return the result
   */
  public static BatchResult run(JobSettings settings) {
    return new ScoringJob(settings).run();
  }

  private BatchResult run() {
    long started = System.nanoTime();
    List<Path> files = InputFiles.resolve(s.inputs());
    JobFiles paths = new JobFiles(s.output(), s.deadLetter(), s.checkpoint());
    try {
      paths.checkDistinct(files);
      try (JobLock lock = JobLock.acquire(paths.lock, paths.output)) {
        return run(files, paths, started);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private BatchResult run(List<Path> files, JobFiles paths, long started) throws IOException {
    EndpointDescription d = s.endpoint().describe();
    List<ModelSignature> signatures =
        d.deployments().stream()
            .map(DeploymentDescription::signature)
            .flatMap(Optional::stream)
            .distinct()
            .toList();
    ModelSignature signature = signatures.isEmpty() ? null : signatures.get(0);
    RecordMapper mapper = RecordMapper.compile(s.mappings(), signature, s.endpoint().name());
    // Traffic may go to any deployment: the mapping must fit each one's signature.
    for (ModelSignature other : signatures) {
      RecordMapper m = RecordMapper.compile(s.mappings(), other, s.endpoint().name());
      if (!m.describe().equals(mapper.describe())) {
        throw Errors.invalid(
            "the deployments of endpoint '"
                + s.endpoint().name()
                + "' take different inputs ("
                + mapper.describe()
                + " versus "
                + m.describe()
                + "); one mapping cannot fit both, so score one deployment's model at a time");
      }
    }
    List<String> outputs = outputNames(signature);
    boolean batching =
        signature != null
            && signatures.stream().allMatch(ModelSignature::isBatchable)
            && mapper.oneRowPerRecord()
            && s.batchSize() > 1;
    int batchSize = batching ? s.batchSize() : 1;
    boolean manyFiles = files.size() > 1;
    Set<String> columns = new LinkedHashSet<>(mapper.fields());
    if (s.idField() != null) {
      columns.add(s.idField());
    }
    RecordReader.checkColumns(files, s.inputFormat(), columns);
    String fingerprint = fingerprint(files, mapper, outputs);
    ResultFormatter formatter = new ResultFormatter(s.outputFormat(), outputs);

    paths.checkCheckpointPath(s.overwrite());
    Checkpoint cp;
    try {
      cp = Checkpoint.read(paths.checkpoint);
    } catch (Checkpoint.NotACheckpointException e) {
      if (!s.overwrite()) {
        throw JobFiles.conflict(
            e.getMessage()
                + " (or allow replacing it: --overwrite, BatchScorer.Builder.overwrite)");
      }
      cp = null;
    }
    boolean sameJob = cp != null && cp.fingerprint().equals(fingerprint);
    if (cp != null && !sameJob && !s.restart()) {
      throw Errors.invalid(
          "the checkpoint "
              + s.checkpoint()
              + " belongs to a different job (the inputs, the mapping or the output changed);"
              + " restart the job to score everything again into this output (--restart,"
              + " BatchScorer.Builder.restart), or write to another output");
    }
    // The output is this job's if its checkpoint says so (also when --restart after the inputs
    // changed); anything else at the output is the user's and is not replaced unless asked.
    String outputName = paths.output.toString();
    paths.checkReplaceable(
        cp != null && (sameJob || outputName.equals(cp.output())), s.overwrite());
    if (s.restart()) {
      Files.deleteIfExists(paths.checkpoint);
      cp = null;
    }
    // The total is only ever shown to listeners: without one, the counting pass (a whole reading
    // of the input) would be work for nobody.
    long total =
        s.countRecords() && !s.listeners().isEmpty()
            ? RecordReader.count(files, s.inputFormat())
            : -1;
    if (cp != null && cp.complete()) {
      BatchProgress p =
          new BatchProgress(cp.records(), total, cp.errors(), cp.records(), elapsed(started));
      BatchResult r = result(cp.records(), cp.errors(), cp.records(), started);
      s.listeners().forEach(l -> l.onStart(p));
      s.listeners().forEach(l -> l.onFinish(r));
      return r;
    }
    long resumed = cp == null ? 0 : cp.records();
    long resumedErrors = cp == null ? 0 : cp.errors();

    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "serve4j-batch-retry");
              t.setDaemon(true);
              return t;
            });
    Semaphore inFlight = new Semaphore(s.concurrency());
    // Batch buffers the writer is done with: reused only once the batch's lines are written, since
    // an output may be a view of an input (an identity model, a provider that echoes a tensor).
    Queue<BatchRows> free = new ConcurrentLinkedQueue<>();
    BlockingQueue<Batch> queue = new ArrayBlockingQueue<>(s.concurrency() * 2 + 2);
    try (OutputFile out = new OutputFile(paths.output, cp == null ? 0 : cp.outputBytes());
        OutputFile dl = new OutputFile(paths.deadLetter, cp == null ? 0 : cp.deadLetterBytes());
        Committer committer = new Committer(out, dl, paths.checkpoint, this::commitFailed);
        RecordReader reader = new RecordReader(files, s.inputFormat())) {
      if (out.length() == 0) {
        out.append(formatter.header());
      }
      Writer writer =
          new Writer(
              queue,
              free,
              out,
              dl,
              committer,
              formatter,
              fingerprint,
              outputName,
              resumed,
              resumedErrors,
              total,
              started);
      BatchProgress startProgress =
          new BatchProgress(resumed, total, resumedErrors, resumed, elapsed(started));
      s.listeners().forEach(l -> l.onStart(startProgress));
      Thread writerThread = new Thread(writer, "serve4j-batch-writer");
      writerThread.setDaemon(true);
      writerThread.start();
      try {
        if (reader.skip(resumed) < resumed) {
          throw Errors.invalid(
              "the checkpoint says "
                  + resumed
                  + " records were done but the input has fewer; delete "
                  + s.checkpoint());
        }
        // Each record's inputs are written straight into its row of the batch's buffers (fixed-
        // width inputs); the writer gives a batch's buffers back (`free`) once it wrote the batch.
        BatchRows rows = mapper.newRows(batchSize);
        List<Slot> pending = new ArrayList<>(batchSize);
        String text;
        while (failure == null && (text = reader.nextText()) != null) {
          Slot slot = null;
          if (reader.jsonLines() && rows != null) {
            // the common JSON Lines record straight into its row, without a JSON tree
            JsonNode id = mapper.mapJsonInto(text, s.idField(), rows);
            if (id != null) {
              slot = prepared(reader.file(), reader.line(), text, id, manyFiles);
              slot.inputRow = rows.count() - 1;
            }
          }
          pending.add(slot != null ? slot : prepare(reader.parse(text), mapper, rows, manyFiles));
          if (pending.size() == batchSize) {
            submit(new Batch(pending, rows), batching, outputs, inFlight, scheduler, queue);
            pending = new ArrayList<>(batchSize);
            if (rows != null) {
              BatchRows next = free.poll();
              rows = next != null ? next : mapper.newRows(batchSize);
            }
          }
        }
        if (!pending.isEmpty() && failure == null) {
          submit(new Batch(pending, rows), batching, outputs, inFlight, scheduler, queue);
        }
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failure = new IllegalStateException("interrupted", e);
      } finally {
        putUninterruptibly(queue, END);
        joinUninterruptibly(writerThread);
      }
      if (failure != null) {
        BatchProgress last = writer.progress();
        s.listeners().forEach(l -> l.onFailure(last, failure));
        throw failure;
      }
      if (writer.errors == 0) {
        deleteIfEmpty(paths.deadLetter);
      }
      BatchResult r = result(writer.records, writer.errors, resumed, started);
      s.listeners().forEach(l -> l.onFinish(r));
      return r;
    } finally {
      scheduler.shutdownNow();
    }
  }

  /** A commit in the background failed: stop, and commit nothing more (see {@link Writer}). */
  private void commitFailed(IOException e) {
    ioBroken = true;
    if (failure == null) {
      failure = new UncheckedIOException(e);
    }
  }

  private BatchResult result(long records, long errors, long resumed, long started) {
    return new BatchResult(
        records, records - errors, errors, resumed, elapsed(started), s.output(), s.deadLetter());
  }

  private static Duration elapsed(long started) {
    return Duration.ofNanos(System.nanoTime() - started);
  }

  private List<String> outputNames(ModelSignature signature) {
    if (!s.outputs().isEmpty()) {
      if (signature != null) {
        for (String o : s.outputs()) {
          if (signature.output(o).isEmpty()) {
            throw Errors.invalid(
                "endpoint '"
                    + s.endpoint().name()
                    + "' has no output '"
                    + o
                    + "'; its outputs are "
                    + signature.outputs());
          }
        }
      }
      return s.outputs();
    }
    if (signature == null) {
      throw Errors.invalid(
          "endpoint '" + s.endpoint().name() + "' reports no signature; name the outputs to write");
    }
    return signature.outputs().stream().map(TensorSpec::name).toList();
  }

  private String fingerprint(List<Path> files, RecordMapper mapper, List<String> outputs) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      StringBuilder sb = new StringBuilder();
      for (Path f : files) {
        sb.append(f).append('|').append(Files.size(f)).append('|');
        sb.append(Files.getLastModifiedTime(f).toMillis()).append('\n');
      }
      sb.append(s.inputFormat())
          .append('|')
          .append(mapper.describe())
          .append('|')
          .append(s.idField())
          .append('|')
          .append(outputs)
          .append('|')
          .append(s.outputFormat())
          .append('|')
          .append(s.output().toAbsolutePath());
      return HexFormat.of().formatHex(md.digest(sb.toString().getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Slot prepared(Path file, long line, String text, JsonNode id, boolean manyFiles) {
    SourceRecord rec = new SourceRecord(file, line, text, null, null, null, null);
    Slot slot = new Slot(rec);
    slot.id = s.idField() != null ? id : lineId(rec, manyFiles);
    return slot;
  }

  private static JsonNode lineId(SourceRecord rec, boolean manyFiles) {
    return manyFiles
        ? TextNode.valueOf(rec.file().getFileName() + ":" + rec.line())
        : JsonNodeFactory.instance.numberNode(rec.line());
  }

  private Slot prepare(SourceRecord rec, RecordMapper mapper, BatchRows rows, boolean manyFiles) {
    Slot slot = new Slot(rec);
    try {
      if (rec.parseError() != null) {
        throw new RecordException(rec.parseError());
      }
      if (s.idField() != null) {
        Object v = rec.value(s.idField());
        if (v == null) {
          throw new RecordException("has no id field '" + s.idField() + "'");
        }
        slot.id = v instanceof JsonNode j ? j : TextNode.valueOf((String) v);
      } else {
        slot.id = lineId(rec, manyFiles);
      }
      List<Tensor> inputs = mapper.map(rec);
      if (rows != null) {
        slot.inputRow = rows.put(inputs); // only a record mapped whole takes a row
      } else {
        slot.inputs = inputs;
      }
    } catch (RecordException e) {
      slot.fail(ErrorCategory.INVALID_INPUT, "the record " + e.getMessage());
    } catch (ServingException e) {
      slot.fail(e.category(), e.getMessage());
    }
    return slot;
  }

  private void submit(
      Batch b,
      boolean batching,
      List<String> outputs,
      Semaphore inFlight,
      ScheduledExecutorService scheduler,
      BlockingQueue<Batch> queue)
      throws InterruptedException {
    List<Slot> valid = new ArrayList<>(b.slots.size());
    for (Slot x : b.slots) {
      if (x.error == null) {
        valid.add(x);
      }
    }
    if (b.rows != null && b.rows.count() != valid.size()) {
      throw new IllegalStateException(
          b.rows.count() + " rows for " + valid.size() + " valid records (a bug)");
    }
    inFlight.acquire();
    if (valid.isEmpty()) {
      inFlight.release();
      b.done = CompletableFuture.completedFuture(null);
    } else {
      CompletableFuture<Void> f;
      try {
        f = predictGroup(b, valid, batching, outputs, scheduler);
      } catch (RuntimeException e) {
        f = CompletableFuture.failedFuture(e);
      }
      b.done = f.whenComplete((v, e) -> inFlight.release());
    }
    queue.put(b);
  }

  private CompletableFuture<Void> predictGroup(
      Batch b,
      List<Slot> valid,
      boolean batching,
      List<String> outputs,
      ScheduledExecutorService scheduler) {
    if (valid.size() == 1 || !batching) {
      List<CompletableFuture<Void>> each = new ArrayList<>();
      for (Slot x : valid) {
        each.add(predictOne(b.inputs(x), x, outputs, scheduler));
      }
      return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new));
    }
    InferenceRequest.Builder rb = InferenceRequest.builder();
    if (b.rows != null) {
      rb.inputs(b.rows.batch()); // the valid records' rows, in order, without a copy
    } else {
      int n = valid.get(0).inputs.size();
      for (int i = 0; i < n; i++) {
        List<Tensor> parts = new ArrayList<>(valid.size());
        for (Slot x : valid) {
          parts.add(x.inputs.get(i));
        }
        rb.input(Tensor.concatRows(parts.get(0).name(), parts));
      }
    }
    return withRetry(rb.build(), scheduler)
        .thenAccept(
            resp -> {
              OutputRows[] outs = new OutputRows[outputs.size()];
              for (int o = 0; o < outs.length; o++) {
                String name = outputs.get(o);
                Tensor t = resp.output(name);
                if (t.shape().rank() == 0 || t.shape().dim(0) != valid.size()) {
                  throw ServingException.builder(ErrorCategory.INTERNAL)
                      .message(
                          "output '"
                              + name
                              + "' has shape "
                              + t.shape()
                              + " for a batch of "
                              + valid.size()
                              + " records")
                      .build();
                }
                // Decoded once for the batch; each record's line is written from its row.
                outs[o] = OutputRows.ofBatch(t);
              }
              for (int r = 0; r < valid.size(); r++) {
                Slot x = valid.get(r);
                x.row = r;
                x.outputs = outs;
              }
            })
        // A batch fails as a whole: send its records one by one so that only bad ones fail.
        .exceptionallyCompose(e -> predictGroup(b, valid, false, outputs, scheduler));
  }

  private CompletableFuture<Void> predictOne(
      List<Tensor> inputs, Slot x, List<String> outputs, ScheduledExecutorService scheduler) {
    InferenceRequest request = InferenceRequest.builder().inputs(inputs).build();
    return withRetry(request, scheduler)
        .thenAccept(
            resp -> {
              OutputRows[] outs = new OutputRows[outputs.size()];
              for (int o = 0; o < outs.length; o++) {
                outs[o] = OutputRows.ofWhole(resp.output(outputs.get(o)));
              }
              x.row = 0;
              x.outputs = outs;
            })
        .exceptionally(
            e -> {
              ServingException se = toServing(e);
              x.fail(se.category(), se.getMessage());
              return null;
            });
  }

  private CompletableFuture<InferenceResponse> withRetry(
      InferenceRequest request, ScheduledExecutorService scheduler) {
    CompletableFuture<InferenceResponse> result = new CompletableFuture<>();
    attempt(request, 1, result, scheduler);
    return result;
  }

  private void attempt(
      InferenceRequest request,
      int n,
      CompletableFuture<InferenceResponse> result,
      ScheduledExecutorService scheduler) {
    CompletableFuture<InferenceResponse> f;
    try {
      f = s.endpoint().predictAsync(request);
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    f.whenComplete(
        (r, e) -> {
          if (e == null) {
            result.complete(r);
            return;
          }
          ServingException se = toServing(e);
          // Job-level retries use core's policy; the elapsed-time cap counts from the first attempt
          // of this job, which is conservative for long jobs.
          Optional<Duration> delay =
              failure == null
                      && s.retry()
                          .allowsRetry(se, n, Duration.ofNanos(System.nanoTime() - startNanos))
                  ? Optional.of(s.retry().backoff(se, n))
                  : Optional.empty();
          if (delay.isEmpty()) {
            result.completeExceptionally(se);
            return;
          }
          try {
            scheduler.schedule(
                () -> attempt(request, n + 1, result, scheduler),
                delay.get().toMillis(),
                TimeUnit.MILLISECONDS);
          } catch (RuntimeException rejected) {
            result.completeExceptionally(se);
          }
        });
  }

  private static ServingException toServing(Throwable e) {
    Throwable t = Wire.unwrap(e);
    if (t instanceof ServingException se) {
      return se;
    }
    return ServingException.builder(ErrorCategory.INTERNAL)
        .message(String.valueOf(t))
        .cause(t)
        .build();
  }

  /**
   * Writes outcomes in order and commits checkpoints: every checkpoint interval it writes what it
   * buffered to both files, takes their lengths and the record counts at that batch boundary, and
   * hands the commit (force, then checkpoint) to the {@link Committer}'s thread, so that it goes on
   * writing while the disk syncs; if the previous commit is still running, it tries again after the
   * next batch. The last commit is made on this thread once the one in flight is done.
   */
  private final class Writer implements Runnable {
    private final BlockingQueue<Batch> queue;
    private final Queue<BatchRows> free;
    private final OutputFile out;
    private final OutputFile dl;
    private final Committer committer;
    private final ResultFormatter formatter;
    // JSON Lines: one generator writes every result line into the output's buffer
    private final JsonGenerator lines;
    private final String fingerprint;
    private final String outputName;
    private final long resumed;
    private final long total;
    private final long started;
    private final long checkpointNanos;
    private final long progressNanos;
    volatile long records;
    volatile long errors;
    private long lastCommit = System.nanoTime();
    private long lastProgress = System.nanoTime();

    Writer(
        BlockingQueue<Batch> queue,
        Queue<BatchRows> free,
        OutputFile out,
        OutputFile dl,
        Committer committer,
        ResultFormatter formatter,
        String fingerprint,
        String outputName,
        long resumed,
        long resumedErrors,
        long total,
        long started) {
      this.queue = queue;
      this.free = free;
      this.out = out;
      this.dl = dl;
      this.committer = committer;
      this.formatter = formatter;
      this.lines = formatter.lineGenerator(out.appender());
      this.fingerprint = fingerprint;
      this.outputName = outputName;
      this.resumed = resumed;
      this.records = resumed;
      this.errors = resumedErrors;
      this.total = total;
      this.started = started;
      this.checkpointNanos = s.checkpointInterval().toNanos();
      this.progressNanos = s.progressInterval().toNanos();
    }

    BatchProgress progress() {
      return new BatchProgress(records, total, errors, resumed, elapsed(started));
    }

    @Override
    public void run() {
      while (true) {
        Batch b;
        try {
          b = queue.take();
        } catch (InterruptedException e) {
          continue; // the reader always sends END; keep draining
        }
        if (b == END) {
          break;
        }
        if (failure != null) {
          continue;
        }
        try {
          b.done.join();
          write(b);
          if (b.rows != null) {
            // every call that read the rows is complete and every line from the outputs written
            b.rows.clear();
            free.offer(b.rows);
          }
          long now = System.nanoTime();
          if (now - lastCommit >= checkpointNanos && failure == null && committer.idle()) {
            committer.commitInBackground(point(false));
            lastCommit = now;
          }
          if (now - lastProgress >= progressNanos) {
            BatchProgress p = progress();
            s.listeners().forEach(l -> l.onProgress(p));
            lastProgress = now;
          }
        } catch (IOException | RuntimeException e) {
          ioBroken = true;
          failure =
              e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
      }
      // The commit in flight, if any, finishes first (its failure sets ioBroken).
      committer.awaitIdle();
      if (ioBroken) {
        return; // never commit after a failed write: the files may hold a partial line
      }
      try {
        committer.commit(point(failure == null));
        BatchProgress p = progress();
        s.listeners().forEach(l -> l.onProgress(p));
      } catch (IOException | RuntimeException e) {
        if (failure == null) {
          failure =
              e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
      }
    }

    private void write(Batch b) throws IOException {
      for (Slot x : b.slots) {
        if (x.error == null && x.outputs == null) {
          x.fail(ErrorCategory.INTERNAL, "no outcome for the record (a bug)");
        }
        if (x.error == null) {
          if (lines != null) {
            formatter.writeResult(lines, x.id, x.outputs, x.row);
          } else {
            out.append(formatter.result(x.id, x.outputs, x.row));
          }
        } else {
          if (s.stopOnFirstError()) {
            failure =
                ServingException.builder(x.errorCategory)
                    .message(
                        "record at "
                            + x.record.file()
                            + ":"
                            + x.record.line()
                            + " failed: "
                            + x.error
                            + ". Stopped at the first error as asked; fix the cause and run the"
                            + " same job again to resume from this record")
                    .build();
            return;
          }
          dl.append(ResultFormatter.deadLetter(x.record, x.id, x.errorCategory.name(), x.error));
          errors++;
        }
        records++;
      }
    }

    /** Writes what is buffered to both files and returns the checkpoint of this batch boundary. */
    private Checkpoint point(boolean complete) throws IOException {
      if (lines != null) {
        lines.flush(); // every line written so far, whole, into the output's buffer
      }
      long ob = out.flush();
      long db = dl.flush();
      return new Checkpoint(fingerprint, outputName, records, errors, ob, db, complete);
    }
  }

  private static void putUninterruptibly(BlockingQueue<Batch> q, Batch b) {
    boolean interrupted = false;
    while (true) {
      try {
        q.put(b);
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static void joinUninterruptibly(Thread t) {
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static void deleteIfEmpty(Path p) {
    try {
      BasicFileAttributes a =
          Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (a.isRegularFile() && a.size() == 0) {
        Files.delete(p);
      }
    } catch (IOException e) {
      // an empty leftover file is harmless
    }
  }
}
