package io.serve4j.examples.streaming;

import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Model;
import io.serve4j.Payload;
import io.serve4j.ResponseStream;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.memory.MemoryOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.stream.Stream;

/**
 * The README's streaming example: a model that answers token by token, here the in-memory provider
 * with a function that yields chunks; the same calls stream from SageMaker, Vertex AI and Azure ML
 * endpoints.
 */
public final class MemoryStreaming {
  private MemoryStreaming() {}

  private static ServingClient client() {
    return Serve4j.client(
        MemoryOptions.builder()
            .streamingPredictor(
                (deployment, request) ->
                    Stream.of("Stream", "ing ", "works", ".")
                        .map(
                            t ->
                                InferenceResponse.builder()
                                    .payload(Payload.ofText(t, "text/plain"))
                                    .build())
                        .iterator())
            .build());
  }

  private static final Model MODEL =
      Model.builder().name("writer").artifact("file:/models/writer.onnx").build();

  private static final InferenceRequest PROMPT =
      InferenceRequest.of(Payload.ofText("{\"prompt\":\"Say something\"}", "application/json"));

  /**
   * Streams one answer with the blocking iterator form: each chunk as it arrives.
   *
   * @return the chunks' texts, in order
   */
  public static List<String> blocking() {
    try (ServingClient client = client()) {
      Endpoint endpoint = client.deploy(EndpointSpec.of("writer", MODEL)).await();
      List<String> tokens = new ArrayList<>();
      try (ResponseStream chunks = endpoint.stream(PROMPT)) { // closing early cancels the stream
        for (InferenceResponse chunk : chunks) {
          tokens.add(chunk.payload().orElseThrow().asText());
        }
      }
      return tokens;
    }
  }

  /**
   * Streams one answer as a {@link Flow.Publisher}, asking for one chunk at a time.
   *
   * @return the whole answer
   */
  public static String publisher() {
    try (ServingClient client = client()) {
      Endpoint endpoint = client.deploy(EndpointSpec.of("writer", MODEL)).await();
      StringBuilder text = new StringBuilder();
      CompletableFuture<String> done = new CompletableFuture<>();
      endpoint
          .streamAsync(PROMPT)
          .subscribe(
              new Flow.Subscriber<>() {
                private Flow.Subscription subscription;

                @Override
                public void onSubscribe(Flow.Subscription s) {
                  subscription = s;
                  s.request(1); // back-pressure: one chunk at a time
                }

                @Override
                public void onNext(InferenceResponse chunk) {
                  text.append(chunk.payload().orElseThrow().asText());
                  subscription.request(1);
                }

                @Override
                public void onError(Throwable t) {
                  done.completeExceptionally(t); // typed: a ServingException
                }

                @Override
                public void onComplete() {
                  done.complete(text.toString());
                }
              });
      return done.join();
    }
  }
}
