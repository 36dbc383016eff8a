package io.serve4j.server;

import static io.serve4j.server.MemoryEndpoint.BODY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.serve4j.Endpoint;
import io.serve4j.server.grpc.GRPCInferenceServiceGrpc;
import io.serve4j.server.grpc.ModelInferRequest;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An endpoint that fails with an {@link Error} (a linkage error from a mismatched jar, an
 * assertion, a stack overflow) still gets an answer: 500 / INTERNAL without the error's text, and
 * the connection keeps serving. Before, the error escaped the server's completion callbacks and the
 * client waited for ever.
 */
class EndpointErrorTest {
  private MemoryEndpoint served;
  private Endpoint endpoint;

  @BeforeEach
  void deploy() {
    served = MemoryEndpoint.deploy("broken", request -> {});
    Endpoint real = served.endpoint();
    // An application's own Endpoint (a decorator, say) whose call fails with an Error, as a
    // mismatched jar's NoSuchMethodError does; everything else is the real endpoint's.
    endpoint =
        (Endpoint)
            Proxy.newProxyInstance(
                Endpoint.class.getClassLoader(),
                new Class<?>[] {Endpoint.class},
                (proxy, method, args) -> {
                  if (method.getName().startsWith("predict")) {
                    throw new NoSuchMethodError("internal detail of a mismatched jar");
                  }
                  try {
                    return method.invoke(real, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
  }

  @AfterEach
  void close() {
    served.close();
  }

  @Test
  @Timeout(30)
  void rest_anErrorFromTheEndpoint_is500_andTheConnectionKeepsServing() throws Exception {
    for (Duration inline : new Duration[] {Duration.ZERO, Duration.ofSeconds(1)}) {
      try (OipServer server =
              OipServer.builder()
                  .endpoint("broken", endpoint)
                  .port(0)
                  .inlineThreshold(inline)
                  .start();
          Http c = new Http(server.port())) {
        for (int i = 0; i < 5; i++) {
          Http.Response r = c.post("/v2/models/broken/infer", BODY);
          assertThat(r.status()).as("inline threshold %s, call %d", inline, i).isEqualTo(500);
          assertThat(r.text()).contains("\"error\"").doesNotContain("internal detail");
        }
        assertThat(c.get("/v2/health/live").status()).isEqualTo(200);
        assertNothingInFlight(server);
      }
    }
  }

  @Test
  @Timeout(30)
  void grpc_anErrorFromTheEndpoint_isINTERNAL() throws Exception {
    try (OipServer server =
        OipServer.builder().endpoint("broken", endpoint).port(0).grpcPort(0).start()) {
      ManagedChannel ch = MemoryEndpoint.channel(server);
      try {
        ModelInferRequest req = MemoryEndpoint.grpcRequest("broken", 1, 1);
        for (int i = 0; i < 5; i++) {
          assertThatThrownBy(
                  () ->
                      GRPCInferenceServiceGrpc.newBlockingStub(ch)
                          .withDeadlineAfter(10, TimeUnit.SECONDS)
                          .modelInfer(req))
              .isInstanceOfSatisfying(
                  StatusRuntimeException.class,
                  e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
                    assertThat(String.valueOf(e.getStatus().getDescription()))
                        .doesNotContain("internal detail");
                  });
        }
        assertNothingInFlight(server);
      } finally {
        MemoryEndpoint.shutdown(ch);
      }
    }
  }

  /**
   * The server leaves a call's in-flight count after it has handed the answer to the transport, so
   * a client can see the answer a moment before the count drops: wait for it (a leaked count never
   * drops and fails here).
   */
  private static void assertNothingInFlight(OipServer server) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (server.inflight() != 0 && System.nanoTime() < until) {
      Thread.sleep(1);
    }
    assertThat(server.inflight()).as("calls still counted in flight").isZero();
  }
}
