package io.serve4j.testkit.memory;

import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceResponse;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.Payload;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import io.serve4j.testkit.Fault;
import io.serve4j.testkit.StreamingFixture;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs {@link io.serve4j.testkit.StreamingContract} on the in-memory provider: each endpoint's
 * {@link StreamingPredictor} sleeps the gap before each chunk, produces it only when pulled, and
 * counts what it produced.
 */
public class MemoryStreamingFixture implements StreamingFixture {
  private static final AtomicInteger NAMES = new AtomicInteger();

  private record Script(List<String> chunks, Duration gap, int failAfter, AtomicInteger produced) {}

  private final MemoryBackend backend = new MemoryBackend();
  private final Map<String, Script> scripts = new ConcurrentHashMap<>();
  private final MemoryOptions options =
      MemoryOptions.builder()
          .backend(backend)
          .streamingPredictor((d, r) -> produce(scripts.get(d.model().name())))
          .build();

  /** Creates the fixture. */
  public MemoryStreamingFixture() {}

  @Override
  public ServingClient newClient(Serve4j.Builder builder) {
    return builder.options(options).build();
  }

  @Override
  public String streamingEndpoint(
      ServingClient client, List<String> chunks, Duration gap, int failAfter) {
    String name = "stream-" + NAMES.incrementAndGet();
    scripts.put(name, new Script(List.copyOf(chunks), gap, failAfter, new AtomicInteger()));
    client
        .deploy(
            EndpointSpec.of(
                name,
                Model.builder()
                    .name(name)
                    .format(ModelFormat.CUSTOM_CONTAINER)
                    .image("memory/streamer")
                    .build()))
        .await();
    return name;
  }

  @Override
  public int produced(String endpoint) {
    return scripts.get(endpoint).produced().get();
  }

  @Override
  public void failNextOpen(String endpoint) {
    backend.injectFaults(Fault.of(Fault.Kind.UNAVAILABLE));
  }

  @Override
  public void close() {}

  private static Iterator<InferenceResponse> produce(Script script) {
    script.produced().set(0);
    return new Iterator<>() {
      private int next;

      @Override
      public boolean hasNext() {
        return next < script.chunks().size();
      }

      @Override
      public InferenceResponse next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        if (script.failAfter() >= 0 && next == script.failAfter()) {
          throw ServingException.builder(ErrorCategory.MODEL_ERROR)
              .fromService()
              .message("the model failed after " + next + " chunks")
              .build();
        }
        try {
          Thread.sleep(script.gap().toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new NoSuchElementException("interrupted");
        }
        script.produced().incrementAndGet();
        return InferenceResponse.builder()
            .payload(Payload.ofText(script.chunks().get(next++), "text/plain"))
            .build();
      }
    };
  }
}
