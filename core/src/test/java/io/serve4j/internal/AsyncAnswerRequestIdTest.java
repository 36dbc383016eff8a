package io.serve4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.DataType;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.ModelSignature;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import io.serve4j.TensorSpec;
import io.serve4j.spi.CallContext;
import java.lang.reflect.Field;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A prediction its provider answers off the caller's thread (a remote provider's usual case), with
 * no listener and no request id of the caller's, makes no request id: the id (a UUID string) and
 * the call's {@link io.serve4j.CallInfo} are made only when something asks for them. Before, the
 * completion formatted both on every such call (JFR: {@code RequestIds.next} under {@code
 * Pending.accept} on gRPC's executor in the Vertex Predict path).
 */
class AsyncAnswerRequestIdTest {
  private static final ModelSignature SIGNATURE =
      new ModelSignature(
          List.of(TensorSpec.of("x", DataType.FP32, -1, 2)),
          List.of(TensorSpec.of("y", DataType.FP32, -1, 2)));
  private static final InferenceResponse ANSWER =
      InferenceResponse.builder()
          .output(Tensor.ofFloats("y", new long[] {1, 2}, new float[] {3, 4}))
          .build();

  @Test
  void answeredOffTheCallersThread_withoutListeners_makesNoRequestId() throws Exception {
    ScheduledExecutorService other = Executors.newSingleThreadScheduledExecutor();
    AtomicReference<CallContext> seen = new AtomicReference<>();
    try (ServingClient client =
        Serve4j.builder()
            .provider(
                new OneEndpointProvider(
                    "later",
                    SIGNATURE,
                    (e, d, r, c) -> {
                      seen.set(c);
                      CompletableFuture<InferenceResponse> f = new CompletableFuture<>();
                      other.schedule(() -> f.complete(ANSWER), 20, TimeUnit.MILLISECONDS);
                      return f;
                    }))
            .build()) {
      InferenceResponse r =
          client
              .endpoint("later")
              .predict(
                  InferenceRequest.of(Tensor.ofFloats("x", new long[] {1, 2}, new float[] {1, 2})));

      assertThat(r.output("y").asFloats()).containsExactly(3, 4);
      Object call = requestIdSupplier(seen.get());
      assertThat(call).isInstanceOf(DefaultServingClient.Call.class);
      assertThat(field(DefaultServingClient.Call.class, "madeId").get(call))
          .as("request id made for a call nobody asked the id of")
          .isNull();
      assertThat(field(DefaultServingClient.Call.class, "info").get(call)).isNull();
      // asked for, it is made then (and once)
      String id = seen.get().requestId();
      assertThat(id).hasSize(36);
      assertThat(seen.get().requestId()).isEqualTo(id);
    } finally {
      other.shutdownNow();
    }
  }

  /** The context's lazily read request id: core hands the call itself as its supplier. */
  private static Object requestIdSupplier(CallContext ctx) throws Exception {
    for (Class<?> c = ctx.getClass(); c != null; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (Supplier.class.isAssignableFrom(f.getType())) {
          f.setAccessible(true);
          return f.get(ctx);
        }
      }
    }
    throw new AssertionError("no request id supplier in " + ctx.getClass());
  }

  private static Field field(Class<?> c, String name) throws Exception {
    Field f = c.getDeclaredField(name);
    f.setAccessible(true);
    return f;
  }
}
