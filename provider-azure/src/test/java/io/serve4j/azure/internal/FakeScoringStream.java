package io.serve4j.azure.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scoring URI that answers as a streaming model server behind an Azure ML online endpoint does:
 * HTTP/1.1 chunked {@code text/event-stream} (server-sent events, one {@code data:} event per chunk
 * and a final {@code data: [DONE]}), or plain chunked text. Each event is written and flushed only
 * after the previous one, one every gap; a script with {@code failAfter} sends an {@code event:
 * error} after that many. A JDK HTTP server rather than WireMock, which cannot write a body chunk
 * by chunk and count what it produced. Its URIs are handed out through {@link
 * FakeAzureMl#scoringUris}.
 */
final class FakeScoringStream implements AutoCloseable {
  private record Script(
      List<String> chunks, Duration gap, int failAfter, boolean sse, boolean raw) {}

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final Map<String, Script> scripts = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> produced = new ConcurrentHashMap<>();
  private final AtomicBoolean failNextOpen = new AtomicBoolean();
  final AtomicInteger requests = new AtomicInteger();

  FakeScoringStream() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** The scoring URI of an endpoint served here. */
  String scoringUri(String endpoint) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/online/" + endpoint + "/score";
  }

  void script(String endpoint, List<String> chunks, Duration gap, int failAfter, boolean sse) {
    scripts.put(endpoint, new Script(List.copyOf(chunks), gap, failAfter, sse, false));
    produced.put(endpoint, new AtomicInteger());
  }

  /** Makes the endpoint answer a text/event-stream body written as these slices, as they are. */
  void scriptRawSse(String endpoint, List<String> slices, Duration gap) {
    scripts.put(endpoint, new Script(List.copyOf(slices), gap, -1, true, true));
    produced.put(endpoint, new AtomicInteger());
  }

  int produced(String endpoint) {
    AtomicInteger n = produced.get(endpoint);
    return n == null ? 0 : n.get();
  }

  /** Answers the next request with a 503, as the endpoint's front door does when overloaded. */
  void failNextOpen() {
    failNextOpen.set(true);
  }

  private void handle(HttpExchange ex) throws IOException {
    requests.incrementAndGet();
    try (ex) {
      ex.getRequestBody().readAllBytes();
      String[] p = ex.getRequestURI().getPath().split("/");
      String name = p.length > 2 ? p[2] : "";
      Script script = scripts.get(name);
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      ex.getResponseHeaders().set("x-request-id", UUID.randomUUID().toString());
      if (auth == null || !auth.startsWith("Bearer ")) {
        plain(ex, 401, "invalid key or token");
        return;
      }
      if (script == null) {
        plain(ex, 404, "endpoint not found");
        return;
      }
      if (failNextOpen.getAndSet(false)) {
        plain(ex, 503, "upstream connect error or disconnect/reset before headers");
        return;
      }
      AtomicInteger count = new AtomicInteger();
      produced.put(name, count);
      ex.getResponseHeaders()
          .set("Content-Type", script.sse() ? "text/event-stream" : "text/plain; charset=utf-8");
      ex.sendResponseHeaders(200, 0); // chunked
      OutputStream out = ex.getResponseBody();
      for (int i = 0; i < script.chunks().size(); i++) {
        Thread.sleep(script.gap().toMillis());
        if (i == script.failAfter()) {
          out.write(
              ("event: error\ndata: {\"error\":\"the model server failed after " + i + "\"}\n\n")
                  .getBytes(StandardCharsets.UTF_8));
          out.flush();
          return;
        }
        String c = script.chunks().get(i);
        String text = script.raw() ? c : script.sse() ? "data: " + c + "\n\n" : c;
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
        count.incrementAndGet();
      }
      if (script.sse() && !script.raw()) {
        out.write(": done\ndata: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException clientWentAway) {
      // the client closed the connection: stop producing
    }
  }

  private static void plain(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain");
    ex.sendResponseHeaders(status, bytes.length);
    ex.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
