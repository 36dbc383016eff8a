package io.serve4j.benchmarks;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The limit: ONNX Runtime's Java API used directly. Each call makes {@link OnnxTensor}s over the
 * inputs' direct buffers (no copy), runs the session, copies every output once into Java memory
 * ({@code getByteBuffer}) and closes the result and the input tensors.
 */
final class OrtEngine implements Engine {
  private final OrtEnvironment env;
  private final OrtSession session;
  private final List<Workload.Input> inputs;

  OrtEngine(Workload workload) throws OrtException {
    env = OrtEnvironment.getEnvironment();
    try (SessionOptions so = sessionOptions()) {
      session = env.createSession(workload.file().toString(), so);
    }
    inputs = workload.inputs();
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
    int n = inputs.size();
    OnnxTensor[] tensors = new OnnxTensor[n];
    Map<String, OnnxTensor> feed = new HashMap<>(n * 2);
    try {
      for (int i = 0; i < n; i++) {
        Workload.Input in = inputs.get(i);
        tensors[i] =
            OnnxTensor.createTensor(
                env, in.view(), in.shape(), in.int64() ? OnnxJavaType.INT64 : OnnxJavaType.FLOAT);
        feed.put(in.name(), tensors[i]);
      }
      try (OrtSession.Result result = session.run(feed)) {
        ByteBuffer[] out = new ByteBuffer[result.size()];
        int j = 0;
        for (Map.Entry<String, OnnxValue> e : result) {
          out[j++] = ((OnnxTensor) e.getValue()).getByteBuffer();
        }
        return out;
      }
    } finally {
      for (OnnxTensor t : tensors) {
        if (t != null) {
          t.close();
        }
      }
    }
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }
}
