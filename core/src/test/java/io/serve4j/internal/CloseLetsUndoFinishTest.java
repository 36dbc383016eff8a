package io.serve4j.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.Capability;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Mirror;
import io.serve4j.Model;
import io.serve4j.Operation;
import io.serve4j.ProviderOptions;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.TimeoutException;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.Deadline;
import io.serve4j.spi.Polling;
import io.serve4j.spi.ProviderContext;
import io.serve4j.spi.ProviderSession;
import io.serve4j.spi.ServingProvider;
import io.serve4j.spi.TestSession;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * Closing a client right after one of its operations stopped (deadline, close) lets the provider's
 * undo finish: a deploy whose controller never gets ready leaves nothing behind, even when the
 * caller closes the client the moment it sees the timeout. The provider here does what cloud
 * providers do: it waits on the client's scheduler, notices the stop at its next check, and then
 * deletes what it created and polls until it is gone.
 */
class CloseLetsUndoFinishTest {
  static final Model MODEL = Model.builder().name("m").artifact("file:/m.onnx").build();

  /** A cloud-like provider whose endpoints never become ready; a failed create is undone. */
  public static final class NeverReadyProvider implements ServingProvider, ProviderOptions {
    /** What exists at the "cloud". */
    final Set<String> resources = ConcurrentHashMap.newKeySet();

    /** How the deploy waits: Polling (at pollEvery), or its own timer task every pollEvery. */
    volatile boolean ownTimer;

    volatile Duration pollEvery = Duration.ofMillis(200);

    /** Whether the undo's deletion ever completes. */
    volatile boolean deletionHangs;

    final AtomicInteger undos = new AtomicInteger();

    @Override
    public String providerId() {
      return "never-ready";
    }

    @Override
    public String id() {
      return "never-ready";
    }

    @Override
    public Set<Capability> capabilities() {
      return Set.of();
    }

    @Override
    public Class<? extends ProviderOptions> optionsType() {
      return NeverReadyProvider.class;
    }

    @Override
    public ProviderOptions defaultOptions() {
      return this;
    }

    @Override
    public ProviderSession open(ProviderOptions options, ProviderContext context) {
      ScheduledExecutorService scheduler = context.scheduler();
      return new TestSession() {
        @Override
        public CompletableFuture<EndpointDescription> createEndpoint(
            EndpointSpec spec, CallContext c) {
          String name = spec.name();
          resources.add(name);
          CompletableFuture<EndpointDescription> rolled =
              ownTimer
                  ? ownWait(c)
                  : Polling.until(
                          () -> CompletableFuture.completedFuture("CREATING"),
                          s -> false,
                          s -> "endpoint " + name + " is " + s,
                          pollEvery,
                          c,
                          scheduler)
                      .thenApply(s -> (EndpointDescription) null);
          rolled.whenComplete(
              (d, e) -> {
                if (e != null) {
                  undo(name);
                }
              });
          return rolled;
        }

        /** Checks every pollEvery on the scheduler; ends once the operation is stopped. */
        private CompletableFuture<EndpointDescription> ownWait(CallContext c) {
          CompletableFuture<EndpointDescription> f = new CompletableFuture<>();
          Runnable[] step = new Runnable[1];
          step[0] =
              () -> {
                if (c.isCancelled() || c.deadline().isExpired()) {
                  f.completeExceptionally(c.deadline().timeoutError("waiting"));
                } else {
                  scheduler.schedule(step[0], pollEvery.toMillis(), TimeUnit.MILLISECONDS);
                }
              };
          scheduler.schedule(step[0], pollEvery.toMillis(), TimeUnit.MILLISECONDS);
          return f;
        }

        /** Deletes, then polls (undo context: not the caller's) until the resource is gone. */
        private void undo(String name) {
          undos.incrementAndGet();
          AtomicInteger checks = new AtomicInteger();
          Polling.until(
                  () ->
                      CompletableFuture.completedFuture(
                          !deletionHangs && checks.incrementAndGet() >= 3),
                  gone -> gone,
                  gone -> "endpoint " + name + " is being deleted",
                  Duration.ofMillis(100),
                  CallContext.of(Deadline.after(Duration.ofSeconds(30))),
                  scheduler)
              .thenRun(() -> resources.remove(name));
        }

        @Override
        public CompletableFuture<EndpointDescription> updateEndpoint(
            EndpointSpec spec, CallContext c) {
          return new CompletableFuture<>();
        }

        @Override
        public CompletableFuture<EndpointDescription> updateTraffic(
            String e, Map<String, Integer> t, Mirror m, CallContext c) {
          return new CompletableFuture<>();
        }

        @Override
        public CompletableFuture<Void> deleteEndpoint(String e, CallContext c) {
          return new CompletableFuture<>();
        }

        @Override
        public CompletableFuture<EndpointDescription> describeEndpoint(String e, CallContext c) {
          return new CompletableFuture<>();
        }

        @Override
        public CompletableFuture<InferenceResponse> predict(
            String e, EndpointDescription d, InferenceRequest r, CallContext c) {
          return new CompletableFuture<>();
        }
      };
    }
  }

  private final NeverReadyProvider provider = new NeverReadyProvider();

  @Test
  void deploy_timedOut_andClientClosedAtOnce_leavesNothingBehind() {
    provider.ownTimer = true; // its next check comes after the deadline: only a drain lets it run
    ServingClient c =
        Serve4j.builder().provider(provider).operationTimeout(Duration.ofMillis(500)).build();
    Operation<?> op = c.deploy(EndpointSpec.of("e", MODEL));
    assertThatThrownBy(op::await).isInstanceOf(TimeoutException.class);
    c.close();
    assertThat(provider.undos).as("the provider saw the stop and undid").hasValue(1);
    assertThat(provider.resources).as("what the deploy created is gone").isEmpty();
  }

  @Test
  void close_whileADeployWaits_stopsIt_andItsUndoFinishes_withoutWaitingOutThePollInterval() {
    provider.pollEvery = Duration.ofSeconds(5);
    ServingClient c =
        Serve4j.builder().provider(provider).operationTimeout(Duration.ofMinutes(1)).build();
    c.deploy(EndpointSpec.of("e", MODEL));
    assertThat(provider.resources).containsExactly("e");
    long start = System.nanoTime();
    c.close();
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .as("the stopped wait ran at once, not after its 5 s pause")
        .isLessThan(Duration.ofSeconds(3));
    assertThat(provider.resources).isEmpty();
  }

  @Test
  void close_whenTheUndoOutlastsTheGrace_abandonsIt_andLogsWhatItAbandoned() {
    provider.deletionHangs = true;
    List<LogRecord> logged = new CopyOnWriteArrayList<>();
    Logger jul = Logger.getLogger("io.serve4j.ServingClient");
    Handler h =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            logged.add(r);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    jul.addHandler(h);
    try {
      ServingClient c =
          Serve4j.builder()
              .provider(provider)
              .operationTimeout(Duration.ofMinutes(1))
              .closeGrace(Duration.ofMillis(300))
              .build();
      c.deploy(EndpointSpec.of("e", MODEL));
      long start = System.nanoTime();
      c.close();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
      assertThat(provider.resources).containsExactly("e");
      assertThat(logged)
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.getLevel()).isEqualTo(Level.WARNING);
                assertThat(r.getThrown())
                    .isInstanceOf(TimeoutException.class)
                    .hasMessageContaining("close grace of PT0.3S")
                    .hasMessageContaining("endpoint e is being deleted");
              });
    } finally {
      jul.removeHandler(h);
    }
  }

  @Test
  void close_withNothingInFlight_returnsAtOnce_andLogsNothing() {
    ServingClient c = Serve4j.builder().provider(provider).build();
    long start = System.nanoTime();
    c.close();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
  }
}
