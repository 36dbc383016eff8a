package io.serve4j.benchmarks;

import io.serve4j.DeploymentSpec;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.Model;
import io.serve4j.local.LocalOptions;
import io.serve4j.local.LocalProvider;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.Deadline;
import io.serve4j.spi.Inference;
import io.serve4j.spi.ProviderContext;
import io.serve4j.spi.ProviderSession;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A step of the per-call list (BENCHMARKS.md, "Concurrency against the raw limit"): serve4j's
 * {@code local} provider called through its SPI ({@link Inference#predict}) without core's client
 * (no retry, deadline, listener or validation template around it), with the same options as {@link
 * Serve4jEngine}. Each call makes what core hands the provider: a 60 s {@link Deadline} (core's
 * default prediction timeout) and a {@link CallContext}. The difference from {@code serve4j} is
 * core's client; from {@code ort_owned}, runtime-onnx's call path.
 */
final class Serve4jProviderEngine implements Engine {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String REQUEST_ID = "bench";

  private final ScheduledExecutorService scheduler;
  private final ProviderSession session;
  private final Inference inference;
  private final EndpointDescription description;
  private final InferenceRequest request;

  Serve4jProviderEngine(Workload workload) {
    scheduler = Executors.newSingleThreadScheduledExecutor();
    session =
        new LocalProvider()
            .open(
                LocalOptions.builder()
                    .isolated(true)
                    .intraOpThreads(OrtEngine.intraOpThreads())
                    .build(),
                new ProviderContext(scheduler));
    try {
      description =
          session
              .lifecycle()
              .createEndpoint(
                  EndpointSpec.builder()
                      .name("bench")
                      .deployment(
                          DeploymentSpec.builder()
                              .name("main")
                              .model(Model.onnx("m", workload.file()))
                              .build())
                      .build(),
                  CallContext.of(Deadline.after(Duration.ofMinutes(10))))
              .join();
      inference = session.inference();
      request = workload.request();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  @Override
  public Object predict() {
    CallContext ctx =
        CallContext.builder(Deadline.after(TIMEOUT))
            .requestId(REQUEST_ID)
            .retriedByCore(true)
            .build();
    return inference.predict("bench", description, request, ctx).join();
  }

  @Override
  public void close() {
    try {
      session.close();
    } finally {
      scheduler.shutdownNow();
    }
  }
}
