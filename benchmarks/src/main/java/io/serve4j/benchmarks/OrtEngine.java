package io.serve4j.benchmarks;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The limit: the best use of ONNX Runtime 1.28's Java API for a one-row request. Everything that
 * can be made once is made once per calling thread (the engine is shared by JMH's threads, so each
 * thread has its own set): the input {@link OnnxTensor}s over the thread's own direct buffers, the
 * feed map, and one pre-allocated direct buffer per output wrapped in an {@link OnnxTensor} that is
 * passed as a pinned output ({@code OrtSession.run(inputs, pinnedOutputs)}), so ONNX Runtime writes
 * the outputs straight into them. A call writes the request's bytes into the thread's input buffers
 * (what any caller whose requests bring new data does: ONNX Runtime reads them from there), runs
 * {@code session.run} and closes its {@code Result} (which owns nothing: every output is pinned);
 * no tensor is created and nothing is copied to the Java heap. The outputs returned are the
 * thread's buffers, overwritten by its next call: what a caller that consumes each result before
 * the next call can do, and serve4j, which hands every caller outputs of its own, cannot.
 *
 * <p>{@code ort_static} ({@link Engine.Kind#ORT_STATIC}) is the row this engine was before c1lat6:
 * the input buffers filled once and never written again. On 2 cores at one caller that is 5-8%
 * faster on the CNN than writing the same bytes before every run (c1lat6: latency 1.077, caller CPU
 * 1.075 of it, load 3): the caller writes the 12 KB input on its core just before the run, and ONNX
 * Runtime's intra-op worker, pinned to the other core, reads part of it there. No serving caller
 * has inputs that never change, and serve4j copies every request into its run's input tensor, so
 * {@code ort_static} measured serve4j against a baseline that skips a cost every real caller pays.
 *
 * <p>The output shapes are learnt from the first prediction, made the careless way (every workload
 * is one fixed-shape row).
 */
final class OrtEngine implements Engine {
  private final OrtEnvironment env;
  private final OrtSession session;
  private final List<Workload.Input> inputs;
  private final List<PerThread> opened = new CopyOnWriteArrayList<>();
  private final ThreadLocal<PerThread> perThread;
  private final boolean owned;
  private final boolean staticInputs;
  private final boolean runOptions;
  private volatile Layout layout;

  /** The outputs' names, shapes, types and sizes, learnt from the first run. */
  private record Layout(String[] names, long[][] shapes, OnnxJavaType[] types, int[] bytes) {}

  OrtEngine(Workload workload) throws OrtException {
    this(workload, false, false);
  }

  /**
   * Opens the engine.
   *
   * @param workload the model and request
   * @param owned {@code true} for the row {@code ort_owned}: the limit plus what any API that hands
   *     each caller outputs of its own must do per call (what serve4j's local run does on a small
   *     model): every output copied into a new heap buffer returned in a new list
   * @throws OrtException if the session cannot be made
   */
  OrtEngine(Workload workload, boolean owned) throws OrtException {
    this(workload, owned, false);
  }

  /**
   * Opens the engine.
   *
   * @param workload the model and request
   * @param owned as {@link #OrtEngine(Workload, boolean)}
   * @param staticInputs {@code true} for the row {@code ort_static}: the input buffers are filled
   *     once and never written again (not with {@code owned})
   * @throws OrtException if the session cannot be made
   */
  OrtEngine(Workload workload, boolean owned, boolean staticInputs) throws OrtException {
    this(workload, owned, staticInputs, false);
  }

  /**
   * Opens the engine.
   *
   * @param workload the model and request
   * @param owned as {@link #OrtEngine(Workload, boolean)}
   * @param staticInputs as {@link #OrtEngine(Workload, boolean, boolean)}
   * @param runOptions {@code true} for the row {@code ort_run_options}: every run is given the
   *     calling thread's own {@code RunOptions} (made once), as serve4j's runs are
   * @throws OrtException if the session cannot be made
   */
  OrtEngine(Workload workload, boolean owned, boolean staticInputs, boolean runOptions)
      throws OrtException {
    if (owned && staticInputs) {
      throw new IllegalArgumentException("an owned engine copies its inputs on every call");
    }
    this.owned = owned;
    this.staticInputs = staticInputs;
    this.runOptions = runOptions;
    env = OrtEnvironment.getEnvironment();
    try (SessionOptions so = sessionOptions()) {
      session = env.createSession(workload.file().toString(), so);
    }
    inputs = workload.inputs();
    perThread =
        ThreadLocal.withInitial(
            () -> {
              try {
                PerThread p = new PerThread(layout);
                opened.add(p);
                return p;
              } catch (OrtException e) {
                throw new IllegalStateException(e);
              }
            });
  }

  /**
   * The first prediction: one run with tensors made for it, which gives the outputs' shapes and
   * types (so that a cold start is one run, as for the other engines); returns copies.
   */
  private synchronized Object firstRun() throws OrtException {
    List<OnnxTensor> in = new ArrayList<>();
    try {
      Map<String, OnnxTensor> feed = new HashMap<>();
      for (Workload.Input i : inputs) {
        OnnxTensor t = OnnxTensor.createTensor(env, i.view(), i.shape(), javaType(i));
        in.add(t);
        feed.put(i.name(), t);
      }
      try (OrtSession.Result r = session.run(feed)) {
        int n = r.size();
        Layout l = new Layout(new String[n], new long[n][], new OnnxJavaType[n], new int[n]);
        ByteBuffer[] copies = new ByteBuffer[n];
        int j = 0;
        for (Map.Entry<String, OnnxValue> e : r) {
          OnnxTensor t = (OnnxTensor) e.getValue();
          TensorInfo info = t.getInfo();
          l.names[j] = e.getKey();
          l.shapes[j] = info.getShape();
          l.types[j] = info.type;
          l.bytes[j] = (int) (info.getNumElements() * info.type.size);
          copies[j++] = t.getByteBuffer();
        }
        if (layout == null) {
          layout = l;
        }
        return copies;
      }
    } finally {
      in.forEach(OnnxTensor::close);
    }
  }

  /** A thread's inputs (over its own copy of the request) and pinned outputs. */
  private final class PerThread implements AutoCloseable {
    final List<OnnxTensor> tensors = new ArrayList<>();
    final List<ByteBuffer> in = new ArrayList<>();
    final Map<String, OnnxTensor> feed = new HashMap<>();
    final Map<String, OnnxTensor> pinned = new HashMap<>();
    final ByteBuffer[] outputs;
    // the thread's run options (ort_run_options), or null: ONNX Runtime's default ones
    OrtSession.RunOptions options;

    PerThread(Layout l) throws OrtException {
      outputs = new ByteBuffer[l.names.length];
      try {
        if (runOptions) {
          options = new OrtSession.RunOptions();
        }
        for (Workload.Input i : inputs) {
          ByteBuffer own = ByteBuffer.allocateDirect(i.data().remaining());
          own.order(ByteOrder.LITTLE_ENDIAN).put(i.view()).flip();
          in.add(own);
          OnnxTensor t = OnnxTensor.createTensor(env, own, i.shape(), javaType(i));
          tensors.add(t);
          feed.put(i.name(), t);
        }
        for (int j = 0; j < outputs.length; j++) {
          outputs[j] = ByteBuffer.allocateDirect(l.bytes[j]).order(ByteOrder.LITTLE_ENDIAN);
          OnnxTensor t = OnnxTensor.createTensor(env, outputs[j], l.shapes[j], l.types[j]);
          tensors.add(t);
          pinned.put(l.names[j], t);
        }
      } catch (OrtException | RuntimeException e) {
        close();
        throw e;
      }
    }

    @Override
    public void close() {
      tensors.forEach(OnnxTensor::close);
      if (options != null) {
        options.close();
      }
    }
  }

  private static OnnxJavaType javaType(Workload.Input i) {
    return i.int64() ? OnnxJavaType.INT64 : OnnxJavaType.FLOAT;
  }

  /**
   * ONNX Runtime's intra-op threads for every engine: {@code serve4j.bench.intraOpThreads}, default
   * 0 (ONNX Runtime chooses: one per core).
   */
  static int intraOpThreads() {
    return Integer.getInteger("serve4j.bench.intraOpThreads", 0);
  }

  /** The session settings every engine uses: serve4j's defaults, spelled out. */
  static SessionOptions sessionOptions() throws OrtException {
    SessionOptions so = new SessionOptions();
    if (intraOpThreads() > 0) {
      so.setIntraOpNumThreads(intraOpThreads());
    }
    so.setOptimizationLevel(SessionOptions.OptLevel.ALL_OPT);
    so.setExecutionMode(SessionOptions.ExecutionMode.SEQUENTIAL);
    so.setCPUArenaAllocator(true);
    so.setMemoryPatternOptimization(true);
    return so;
  }

  @Override
  public Object predict() throws OrtException {
    if (layout == null) {
      return firstRun();
    }
    PerThread p = perThread.get();
    if (!staticInputs) {
      // the request's bytes into the thread's input tensors, as every call with new data
      for (int i = 0, n = p.in.size(); i < n; i++) {
        ByteBuffer b = p.in.get(i);
        b.clear();
        b.put(inputs.get(i).data().duplicate());
        b.clear();
      }
    }
    if (p.options == null) {
      session.run(p.feed, p.pinned).close();
    } else {
      session.run(p.feed, Set.of(), p.pinned, p.options).close();
    }
    if (!owned) {
      return p.outputs;
    }
    ByteBuffer[] copies = new ByteBuffer[p.outputs.length];
    for (int j = 0; j < copies.length; j++) {
      ByteBuffer src = p.outputs[j].duplicate();
      src.clear();
      copies[j] = ByteBuffer.allocate(src.remaining()).order(ByteOrder.LITTLE_ENDIAN);
      copies[j].put(src).flip();
    }
    return List.of(copies);
  }

  /**
   * For tests: the calling thread's input buffer {@code i}, the one its next run reads.
   *
   * @param i the input's index
   * @return the buffer (its own position and limit)
   */
  ByteBuffer inputBuffer(int i) {
    return perThread.get().in.get(i).duplicate();
  }

  /**
   * For tests: the run options the calling thread's runs are given.
   *
   * @return the thread's own options, or null where the runs use ONNX Runtime's default ones
   */
  OrtSession.RunOptions runOptions() {
    return perThread.get().options;
  }

  @Override
  public void close() throws OrtException {
    opened.forEach(PerThread::close);
    session.close();
  }
}
