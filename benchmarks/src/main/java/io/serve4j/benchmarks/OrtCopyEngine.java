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
 * The first raw baseline, kept as the extra row {@code ort_copy}: ONNX Runtime's Java API used
 * directly but not at its best. Each call makes {@link OnnxTensor}s over the inputs' direct buffers
 * (no copy), runs the session, copies every output once into Java memory ({@code getByteBuffer},
 * 26.7 KB/op on MiniLM-16) and closes the result and the input tensors. The limit is {@link
 * OrtEngine}.
 */
final class OrtCopyEngine implements Engine {
  private final OrtEnvironment env;
  private final OrtSession session;
  private final List<Workload.Input> inputs;

  OrtCopyEngine(Workload workload) throws OrtException {
    env = OrtEnvironment.getEnvironment();
    try (SessionOptions so = OrtEngine.sessionOptions()) {
      session = env.createSession(workload.file().toString(), so);
    }
    inputs = workload.inputs();
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
