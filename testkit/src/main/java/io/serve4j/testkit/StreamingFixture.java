package io.serve4j.testkit;

import io.serve4j.ErrorCategory;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import java.time.Duration;
import java.util.List;

/**
 * What a provider supplies to run {@link StreamingContract} against its fake: a client, and an
 * endpoint whose fake streams given text chunks with the provider's real framing (AWS event-stream
 * messages, a gRPC server stream, HTTP chunked / server-sent events), and counts what it produced.
 */
public interface StreamingFixture extends AutoCloseable {
  /**
   * Builds a client for the provider under test against its fake; apply the provider's options to
   * {@code builder}, which carries the suite's settings (retries, timeouts).
   *
   * @param builder a builder with the suite's settings
   * @return a new client
   */
  ServingClient newClient(Serve4j.Builder builder);

  /**
   * Makes an endpoint (deployed through {@code client}, or prepared in the fake) whose next stream
   * yields {@code chunks} as UTF-8 text, one every {@code gap}, producing each only when the
   * previous one was written; when {@code failAfter} is not negative, the fake sends the cloud's
   * in-stream error event after that many chunks instead of the rest.
   *
   * @param client the client under test
   * @param chunks the texts to stream
   * @param gap the time between two chunks
   * @param failAfter chunks before an in-stream error, or -1 for none
   * @return the endpoint name
   */
  String streamingEndpoint(ServingClient client, List<String> chunks, Duration gap, int failAfter);

  /**
   * Returns how many chunks the fake has produced for the endpoint's current stream.
   *
   * @param endpoint the endpoint
   * @return chunks produced so far
   */
  int produced(String endpoint);

  /**
   * Makes the endpoint's next stream fail before its first chunk with the provider's retryable
   * server error (503).
   *
   * @param endpoint the endpoint
   */
  void failNextOpen(String endpoint);

  /**
   * Whether the caller's demand reaches the producer itself (a gRPC server stream with flow
   * control, an in-process iterator). Over HTTP/1.1 only TCP's window holds a producer back, so a
   * few small chunks are produced whatever the caller asked for; the caller still receives no more
   * than it asked for.
   *
   * @return true if the producer follows demand chunk by chunk
   */
  default boolean producerFollowsDemand() {
    return true;
  }

  /**
   * Returns the category an in-stream error event of this cloud maps to.
   *
   * @return the category, usually {@link ErrorCategory#MODEL_ERROR}
   */
  default ErrorCategory inStreamErrorCategory() {
    return ErrorCategory.MODEL_ERROR;
  }

  /** Stops the fake. */
  @Override
  void close();
}
