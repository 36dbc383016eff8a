package io.serve4j.gcp.internal;

import com.google.cloud.aiplatform.v1.PredictRequest;
import com.google.cloud.aiplatform.v1.PredictResponse;
import com.google.protobuf.ListValue;
import com.google.protobuf.Value;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Tensor;
import io.serve4j.TensorSpec;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The Vertex Predict codec's steps measured one by one (CPU and allocation per step on this thread,
 * median of rounds), beside the raw client's own building and reading of the same values ({@code
 * RemotePathHarness}'s raw side). Off by default:
 *
 * <pre>{@code
 * ./mvnw -B -o -pl provider-gcp -am test -Dtest=InstancesCodecSteps -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dserve4j.harness=true
 * }</pre>
 */
@EnabledIfSystemProperty(named = "serve4j.harness", matches = "true")
class InstancesCodecSteps {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private static volatile Object sink;

  @Test
  void steps() {
    int n = Integer.getInteger("harness.elements", 256);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (i % 7) - 3.5f;
    }
    long[] shape = {1, n};
    String resource = "projects/p/locations/us-central1/endpoints/123";
    InferenceRequest request = InferenceRequest.of(Tensor.ofFloats("x", shape, x));
    PredictRequest encoded = InstancesCodec.encode(resource, request);
    PredictResponse answer =
        PredictResponse.newBuilder()
            .addPredictions(encoded.getInstances(0))
            .setDeployedModelId("1")
            .build();
    TensorSpec out = null;
    step("user: Tensor.ofFloats (request)", () -> Tensor.ofFloats("x", shape, x));
    step(
        "heap FP32 tensor (Tensor.wrap)",
        () -> {
          java.nio.ByteBuffer b =
              java.nio.ByteBuffer.allocate(n * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
          b.asFloatBuffer().put(x);
          return Tensor.wrap("x", io.serve4j.DataType.FP32, io.serve4j.Shape.of(shape), b);
        });
    step("serve4j: InstancesCodec.encode", () -> InstancesCodec.encode(resource, request));
    step(
        "raw: build the request",
        () -> {
          ListValue.Builder row = ListValue.newBuilder();
          for (float v : x) {
            row.addValues(Value.newBuilder().setNumberValue(v));
          }
          return PredictRequest.newBuilder()
              .setEndpoint(resource)
              .addInstances(Value.newBuilder().setListValue(row))
              .build();
        });
    step("serve4j: InstancesCodec.decode", () -> InstancesCodec.decode(answer, out, request));
    InferenceResponse decoded = InstancesCodec.decode(answer, out, request);
    step("user: output(..).asFloats()", () -> decoded.output("predictions").asFloats());
    step(
        "raw: read the answer",
        () -> {
          List<Value> values = answer.getPredictions(0).getListValue().getValuesList();
          float[] y = new float[values.size()];
          for (int i = 0; i < y.length; i++) {
            y[i] = (float) values.get(i).getNumberValue();
          }
          return y;
        });
  }

  private static void step(String what, java.util.function.Supplier<Object> s) {
    int calls = Integer.getInteger("steps.calls", 20_000);
    int rounds = Integer.getInteger("steps.rounds", 9);
    for (int i = 0; i < calls * 3; i++) {
      sink = s.get();
    }
    double[] cpu = new double[rounds];
    double[] alloc = new double[rounds];
    double[] proc = new double[rounds];
    long self = Thread.currentThread().getId();
    for (int r = 0; r < rounds; r++) {
      long p0 = OS.getProcessCpuTime();
      long c0 = THREADS.getCurrentThreadCpuTime();
      long a0 = THREADS.getThreadAllocatedBytes(self);
      for (int i = 0; i < calls; i++) {
        sink = s.get();
      }
      long a1 = THREADS.getThreadAllocatedBytes(self);
      long c1 = THREADS.getCurrentThreadCpuTime();
      proc[r] = (OS.getProcessCpuTime() - p0) / 1e3 / calls;
      cpu[r] = (c1 - c0) / 1e3 / calls;
      alloc[r] = (double) (a1 - a0) / calls;
    }
    java.util.Arrays.sort(cpu);
    java.util.Arrays.sort(alloc);
    java.util.Arrays.sort(proc);
    System.out.printf(
        "  %-38s CPU %7.2f us  process CPU %7.2f us  alloc %8.0f B%n",
        what, cpu[rounds / 2], proc[rounds / 2], alloc[rounds / 2]);
  }
}
