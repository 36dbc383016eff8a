package io.serve4j.benchmarks;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.serve4j.DataType;
import io.serve4j.InferenceResponse;
import io.serve4j.Shape;
import io.serve4j.Tensor;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The "outputs" of the allocation target (serve4j's B/op &lt;= raw ONNX Runtime's + outputs + 1
 * KB). The raw engine at the limit writes every call's outputs into the same pinned buffers and
 * hands them back, to be consumed before its next call; serve4j hands every caller outputs of its
 * own, so it must make them. "Outputs" is what that costs on the Java heap, made with the same
 * calls serve4j makes: per output tensor a direct buffer of its size (whose native memory is not on
 * the heap, its {@code DirectByteBuffer}, {@code Cleaner} and deallocator are), the {@link Tensor}
 * and {@link Shape} that carry it, and the {@link InferenceResponse} with its list. Measured in
 * this JVM with the thread's allocation counter over many responses kept reachable (so that no
 * allocation is optimised away), after a warm-up.
 */
final class OutputAllowance {
  private OutputAllowance() {}

  /**
   * Prints the figure for each model named.
   *
   * <pre>
   * java -cp benchmarks/target/benchmarks.jar io.serve4j.benchmarks.OutputAllowance mlp cnn minilm16
   * </pre>
   *
   * @param args models
   */
  public static void main(String[] args) {
    for (String m :
        args.length == 0 ? new String[] {"minilm16", "minilm128", "mlp", "cnn"} : args) {
      System.out.println(m + ": outputs " + bytes(Workload.of(m)) + " B per response");
    }
  }

  private record Out(String name, DataType type, long[] shape, int bytes) {}

  /**
   * Measures the heap bytes of one response's outputs for a workload.
   *
   * @param workload the model and request
   * @return bytes per response, or -1 if it cannot be measured here
   */
  static long bytes(Workload workload) {
    List<Out> outs;
    try {
      outs = outputs(workload);
    } catch (OrtException | RuntimeException e) {
      return -1;
    }
    java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    if (!(mx instanceof com.sun.management.ThreadMXBean sun)) {
      return -1;
    }
    // Warm up the same code with small buffers (native memory is not what is measured), then
    // measure with the real sizes.
    List<Out> small = new ArrayList<>();
    for (Out o : outs) {
      long[] ones = new long[o.shape.length];
      java.util.Arrays.fill(ones, 1);
      small.add(new Out(o.name, o.type, ones, o.type.byteSize()));
    }
    InferenceResponse[] keep = new InferenceResponse[64];
    for (int i = 0; i < 50_000; i++) {
      keep[i & 63] = response(small);
    }
    int n = 2000;
    long tid = Thread.currentThread().getId();
    long least = Long.MAX_VALUE;
    for (int round = 0; round < 5; round++) { // the least of five: no one-off cost counted
      long before = sun.getThreadAllocatedBytes(tid);
      for (int i = 0; i < n; i++) {
        keep[i & 63] = response(outs);
      }
      least = Math.min(least, (sun.getThreadAllocatedBytes(tid) - before) / n);
    }
    return keep[0] == null ? -1 : least;
  }

  private static InferenceResponse response(List<Out> outs) {
    List<Tensor> tensors = new ArrayList<>(outs.size());
    for (Out o : outs) {
      ByteBuffer b = ByteBuffer.allocateDirect(o.bytes).order(ByteOrder.LITTLE_ENDIAN);
      tensors.add(Tensor.wrap(o.name, o.type, Shape.of(o.shape), b));
    }
    return InferenceResponse.builder().outputs(tensors).build();
  }

  /** The workload's outputs, from one run on raw ONNX Runtime. */
  private static List<Out> outputs(Workload workload) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    List<OnnxTensor> in = new ArrayList<>();
    try (OrtSession.SessionOptions so = OrtEngine.sessionOptions();
        OrtSession session = env.createSession(workload.file().toString(), so)) {
      Map<String, OnnxTensor> feed = new HashMap<>();
      for (Workload.Input i : workload.inputs()) {
        OnnxTensor t =
            OnnxTensor.createTensor(
                env, i.view(), i.shape(), i.int64() ? OnnxJavaType.INT64 : OnnxJavaType.FLOAT);
        in.add(t);
        feed.put(i.name(), t);
      }
      List<Out> outs = new ArrayList<>();
      try (OrtSession.Result r = session.run(feed)) {
        for (Map.Entry<String, OnnxValue> e : r) {
          ai.onnxruntime.TensorInfo info = ((OnnxTensor) e.getValue()).getInfo();
          DataType type = info.type == OnnxJavaType.INT64 ? DataType.INT64 : DataType.FP32;
          outs.add(
              new Out(
                  e.getKey(),
                  type,
                  info.getShape(),
                  (int) (info.getNumElements() * info.type.size)));
        }
      }
      return outs;
    } finally {
      in.forEach(OnnxTensor::close);
    }
  }
}
