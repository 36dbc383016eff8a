package io.serve4j.spark.internal;

import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.ServingException;
import io.serve4j.Tensor;
import io.serve4j.spark.BadRowPolicy;
import io.serve4j.spark.OutputColumn;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Scores one partition: reads rows, checks each one while gathering it into a micro-batch (a bad
 * row is set aside with its reason and never reaches the concatenated tensors), sends up to the
 * executor's in-flight limit of batches, and returns rows in input order with their outputs or
 * their error. A batch the endpoint rejects as a whole is scored again row by row so that one bad
 * row does not fail its neighbours.
 *
 * <p>Deterministic: the same partition gives the same batches, requests and rows on every attempt,
 * so task retries and speculative copies write identical output.
 */
public final class PartitionScorer implements Iterator<Row> {
  /** Receives the counts of each completed batch. */
  public interface Counts {
    /**
     * Adds to the counts.
     *
     * @param scored rows scored
     * @param failed rows failed
     */
    void add(long scored, long failed);
  }

  private final ScoringPlan plan;
  private final ExecutorClients.Handle handle;
  private final Counts counts;
  private final Iterator<Row> in;
  private final InputBuffer[] buffers;
  private final int batchSize;
  private final int window;
  private final ArrayDeque<Batch> pending = new ArrayDeque<>();
  private Row carry;
  private final long[][] scratchDims;
  private Row[] ready = new Row[0];
  private int readyAt;
  private long rowIndex;
  private long scored;
  private long failed;

  /** Rows sent (or set aside) together. */
  private static final class Batch {
    final Row[] rows;
    final ServingException[] errors;
    final Object[][] outputs;
    final int[] valid;
    InferenceRequest request;
    CompletableFuture<InferenceResponse> future;
    final long firstRow;

    Batch(int n, long firstRow) {
      rows = new Row[n];
      errors = new ServingException[n];
      outputs = new Object[n][];
      valid = new int[n];
      this.firstRow = firstRow;
    }
  }

  /**
   * Creates a scorer.
   *
   * @param plan the plan
   * @param handle the executor's endpoint
   * @param counts receives counts
   * @param in the partition's rows
   */
  public PartitionScorer(
      ScoringPlan plan, ExecutorClients.Handle handle, Counts counts, Iterator<Row> in) {
    this.plan = plan;
    this.handle = handle;
    this.counts = counts;
    this.in = in;
    this.buffers = new InputBuffer[plan.inputs.length];
    for (int i = 0; i < buffers.length; i++) {
      buffers[i] = InputBuffer.of(plan.inputs[i].tensor(), plan.inputs[i].type());
    }
    this.scratchDims = new long[buffers.length][];
    this.batchSize = plan.batching ? plan.spec.batchSize() : 1;
    this.window = Math.max(1, plan.spec.maxInFlight());
  }

  /**
   * Returns the rows scored so far.
   *
   * @return the count
   */
  public long scored() {
    return scored;
  }

  /**
   * Returns the rows failed so far.
   *
   * @return the count
   */
  public long failed() {
    return failed;
  }

  @Override
  public boolean hasNext() {
    while (readyAt == ready.length) {
      while (pending.size() < window && (carry != null || in.hasNext())) {
        pending.add(send(gather()));
      }
      Batch b = pending.poll();
      if (b == null) {
        return false;
      }
      ready = complete(b);
      readyAt = 0;
    }
    return true;
  }

  @Override
  public Row next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    Row r = ready[readyAt];
    ready[readyAt++] = null;
    return r;
  }

  private Batch gather() {
    Row[] rows = new Row[batchSize];
    ServingException[] errors = new ServingException[batchSize];
    int n = 0;
    long[][] dims = null;
    int[] marks = new int[buffers.length];
    long first = rowIndex;
    while (n < batchSize && (carry != null || in.hasNext())) {
      Row r = carry != null ? carry : in.next();
      carry = null;
      for (int i = 0; i < buffers.length; i++) {
        marks[i] = buffers[i].size();
      }
      try {
        long[][] d = append(r);
        if (dims == null) {
          dims = d.clone();
        } else if (!Arrays.deepEquals(dims, d)) {
          rollback(marks);
          carry = r; // a different row shape starts the next batch
          break;
        }
      } catch (InputBuffer.BadRow e) {
        rollback(marks);
        errors[n] =
            ServingException.builder(ErrorCategory.INVALID_INPUT).message(e.getMessage()).build();
      }
      rows[n++] = r;
      rowIndex++;
    }
    Batch b = new Batch(n, first);
    System.arraycopy(rows, 0, b.rows, 0, n);
    System.arraycopy(errors, 0, b.errors, 0, n);
    int valid = 0;
    for (int i = 0; i < n; i++) {
      if (b.errors[i] == null) {
        b.valid[valid++] = i;
      }
    }
    if (valid > 0) {
      InferenceRequest.Builder rb = InferenceRequest.builder();
      for (int i = 0; i < buffers.length; i++) {
        long[] shape = new long[dims[i].length + 1];
        shape[0] = valid;
        System.arraycopy(dims[i], 0, shape, 1, dims[i].length);
        rb.input(buffers[i].build(shape));
      }
      for (ScoringPlan.Output o : plan.outputs) {
        rb.output(o.tensor());
      }
      b.request = rb.build();
    }
    return b;
  }

  private void rollback(int[] marks) {
    for (int i = 0; i < buffers.length; i++) {
      buffers[i].truncate(marks[i]);
    }
  }

  /** Appends a row's values to every input; returns each input's row dims (a reused array). */
  private long[][] append(Row r) {
    long[][] dims = scratchDims;
    for (int i = 0; i < buffers.length; i++) {
      ScoringPlan.Input input = plan.inputs[i];
      int mark = buffers[i].size();
      for (int c = 0; c < input.columns().length; c++) {
        try {
          buffers[i].append(r.get(input.columns()[c]));
        } catch (InputBuffer.BadRow e) {
          throw new InputBuffer.BadRow(
              "column '"
                  + input.columnNames()[c]
                  + "' of input '"
                  + input.tensor()
                  + "' has "
                  + e.getMessage());
        }
      }
      dims[i] = rowDims(input, buffers[i].size() - mark);
    }
    return dims;
  }

  static long[] rowDims(ScoringPlan.Input input, int count) {
    long[] sig = input.rowDims();
    if (sig == null) {
      return new long[] {count};
    }
    long known = 1;
    int dynamic = -1;
    for (int d = 0; d < sig.length; d++) {
      if (sig[d] < 0) {
        if (dynamic >= 0) {
          throw new InputBuffer.BadRow(
              count
                  + " values for input '"
                  + input.tensor()
                  + "', whose row shape "
                  + Arrays.toString(sig)
                  + " has more than one free dimension");
        }
        dynamic = d;
      } else {
        known *= sig[d];
      }
    }
    if (dynamic < 0 && known == count) {
      return sig; // fixed: shared, never written
    }
    long[] out = sig.clone();
    if (dynamic >= 0) {
      if (known == 0 || count % known != 0 || count == 0) {
        throw new InputBuffer.BadRow(
            count
                + " values where input '"
                + input.tensor()
                + "' takes "
                + shape(sig)
                + " per row");
      }
      out[dynamic] = count / known;
    } else if (known != count) {
      throw new InputBuffer.BadRow(
          count + " values where input '" + input.tensor() + "' takes " + shape(sig) + " per row");
    }
    return out;
  }

  private static String shape(long[] dims) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < dims.length; i++) {
      sb.append(i > 0 ? ", " : "").append(dims[i] < 0 ? "?" : String.valueOf(dims[i]));
    }
    return sb.append(']').toString();
  }

  private Batch send(Batch b) {
    if (b.request == null) {
      return b;
    }
    b.future = invoke(b.request);
    return b;
  }

  private CompletableFuture<InferenceResponse> invoke(InferenceRequest request) {
    try {
      handle.inFlight().acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ServingException.builder(ErrorCategory.INTERNAL)
          .message("the task was interrupted while waiting for a free request slot")
          .cause(e)
          .build();
    }
    CompletableFuture<InferenceResponse> f;
    try {
      f = handle.endpoint().predictAsync(request);
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    return f.whenComplete((r, e) -> handle.inFlight().release());
  }

  private Row[] complete(Batch b) {
    int valid = 0;
    for (ServingException e : b.errors) {
      if (e == null) {
        valid++;
      }
    }
    if (b.future != null) {
      try {
        decode(b, b.future.join(), b.valid, valid);
      } catch (RuntimeException e) {
        ServingException se = Errors.toServing(e);
        if (valid > 1 && rowLevel(se)) {
          rescoreOneByOne(b, valid);
        } else {
          for (int k = 0; k < valid; k++) {
            b.errors[b.valid[k]] = se;
          }
        }
      }
    }
    Row[] out = new Row[b.rows.length];
    long ok = 0;
    long bad = 0;
    for (int i = 0; i < b.rows.length; i++) {
      ServingException e = b.errors[i];
      if (e != null) {
        bad++;
        if (plan.spec.badRows() == BadRowPolicy.FAIL_FAST) {
          counts.add(ok, bad);
          throw ServingException.builder(e.category())
              .message(
                  "row "
                      + (b.firstRow + i)
                      + " of the partition failed and bad rows fail the job"
                      + " (BadRowPolicy.FAIL_FAST): "
                      + e.getMessage())
              .cause(e)
              .build();
        }
      } else {
        ok++;
      }
      out[i] = row(b.rows[i], b.outputs[i], e);
    }
    scored += ok;
    failed += bad;
    counts.add(ok, bad);
    return out;
  }

  private static boolean rowLevel(ServingException e) {
    return switch (e.category()) {
      case INVALID_INPUT, MODEL_ERROR, INTERNAL -> true;
      default -> false;
    };
  }

  private void rescoreOneByOne(Batch b, int valid) {
    List<CompletableFuture<InferenceResponse>> futures = new ArrayList<>(valid);
    List<InferenceRequest> requests = new ArrayList<>(valid);
    for (int k = 0; k < valid; k++) {
      InferenceRequest.Builder rb = InferenceRequest.builder();
      for (Tensor t : b.request.inputs()) {
        rb.input(t.sliceRows(k, k + 1));
      }
      for (String o : b.request.outputs()) {
        rb.output(o);
      }
      requests.add(rb.build());
    }
    // at most `window` at once, in order
    for (int k = 0; k < valid; k++) {
      if (futures.size() - firstIncomplete(futures) >= window) {
        futures.get(firstIncomplete(futures)).exceptionally(x -> null).join();
      }
      futures.add(invoke(requests.get(k)));
    }
    for (int k = 0; k < valid; k++) {
      int row = b.valid[k];
      try {
        decode(b, futures.get(k).join(), new int[] {row}, 1);
      } catch (RuntimeException e) {
        b.errors[row] = Errors.toServing(e);
      }
    }
  }

  private static int firstIncomplete(List<CompletableFuture<InferenceResponse>> fs) {
    int i = 0;
    while (i < fs.size() && fs.get(i).isDone()) {
      i++;
    }
    return i;
  }

  private void decode(Batch b, InferenceResponse resp, int[] rows, int n) {
    Object[][] values = new Object[plan.outputs.length][];
    for (int o = 0; o < plan.outputs.length; o++) {
      ScoringPlan.Output out = plan.outputs[o];
      Tensor t = resp.output(out.tensor());
      long count = t.elementCount();
      if (t.shape().rank() == 0 || t.shape().dim(0) != n || count % n != 0) {
        throw ServingException.builder(ErrorCategory.INTERNAL)
            .message(
                "output '"
                    + out.tensor()
                    + "' has shape "
                    + t.shape()
                    + " for a request of "
                    + n
                    + " row(s)")
            .build();
      }
      int per = (int) (count / n);
      if (out.kind() == OutputColumn.Kind.SCALAR && per != 1) {
        throw ServingException.builder(ErrorCategory.INVALID_INPUT)
            .message(
                "output '"
                    + out.tensor()
                    + "' has "
                    + per
                    + " values per row; the scalar column '"
                    + out.column()
                    + "' needs exactly one (use OutputColumn.array)")
            .build();
      }
      values[o] = OutputValues.split(t, out, n, per);
    }
    for (int k = 0; k < n; k++) {
      Object[] row = new Object[plan.outputs.length];
      for (int o = 0; o < row.length; o++) {
        row[o] = values[o][k];
      }
      b.outputs[rows[k]] = row;
    }
  }

  private Row row(Row in, Object[] outputs, ServingException error) {
    int w = plan.inputWidth;
    Object[] v = new Object[w + plan.outputs.length + 1];
    for (int i = 0; i < w; i++) {
      v[i] = in.get(i);
    }
    if (outputs != null && error == null) {
      System.arraycopy(outputs, 0, v, w, outputs.length);
    }
    if (error != null) {
      v[v.length - 1] =
          RowFactory.create(
              error.category().name(),
              error.getMessage(),
              error.providerId().orElse(null),
              error.requestId().orElse(null));
    }
    return RowFactory.create(v);
  }
}
