package io.serve4j.aws;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A tiny S3-compatible server on a raw socket that answers {@code Expect: 100-continue} the way the
 * servers of aws-sdk-java-v2 issue 1969 do: an interim {@code 100 CONTINUE} with headers ({@code
 * Date}, {@code Connection: keep-alive}), written only once the body has arrived and followed at
 * once by the final {@code 200 OK} with {@code Connection: close}. The SDK's Netty client never
 * completes such a PutObject (it waits until its read timeout). Serves HeadObject (404 until put)
 * and PutObject of path-style keys.
 */
final class ContinueS3 implements AutoCloseable {
  private final ServerSocket socket;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final Map<String, byte[]> objects = new ConcurrentHashMap<>();
  private final List<String> requests = new CopyOnWriteArrayList<>();

  private static final String CONTINUE =
      "HTTP/1.1 100 CONTINUE\r\nDate: Sun, 02 Aug 2020 09:55:11 GMT\r\nConnection: keep-alive\r\n\r\n";

  ContinueS3() {
    try {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    executor.execute(this::accept);
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + socket.getLocalPort());
  }

  /** Each request line with its Expect header, if any. */
  List<String> requests() {
    return List.copyOf(requests);
  }

  byte[] object(String bucketAndKey) {
    return objects.get(bucketAndKey);
  }

  private void accept() {
    while (!socket.isClosed()) {
      try {
        Socket s = socket.accept();
        executor.execute(() -> serve(s));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s;
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream()) {
      while (true) {
        String requestLine = line(in);
        if (requestLine == null || requestLine.isEmpty()) {
          return;
        }
        Map<String, String> headers = new TreeMap<>();
        for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
          int colon = h.indexOf(':');
          headers.put(
              h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
        }
        String expect = headers.get("expect");
        requests.add(requestLine + (expect == null ? "" : " [Expect: " + expect + "]"));
        boolean cont = "100-continue".equalsIgnoreCase(expect);
        long length = Long.parseLong(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes((int) length);
        if (cont) {
          out.write(CONTINUE.getBytes(StandardCharsets.US_ASCII));
        }
        String[] parts = requestLine.split(" ");
        String path = parts[1].split("\\?")[0].substring(1);
        switch (parts[0]) {
          case "PUT" -> {
            objects.put(path, FakeAws.decodeChunked(headers, body));
            respond(out, "200 OK", "ETag: \"abc\"\r\nConnection: close\r\n", "");
            return;
          }
          case "HEAD" -> {
            if (objects.containsKey(path)) {
              respond(out, "200 OK", "Content-Length: " + objects.get(path).length + "\r\n", null);
            } else {
              respond(out, "404 Not Found", "Content-Length: 0\r\n", null);
            }
          }
          default -> respond(out, "405 Method Not Allowed", "", "");
        }
      }
    } catch (IOException | RuntimeException e) {
      // connection closed
    }
  }

  private static void respond(OutputStream out, String status, String headers, String body)
      throws IOException {
    StringBuilder b = new StringBuilder("HTTP/1.1 ").append(status).append("\r\n");
    b.append("x-amz-request-id: continue-s3\r\n").append(headers);
    if (body != null) {
      b.append("Content-Length: ").append(body.length()).append("\r\n");
    }
    b.append("\r\n");
    if (body != null) {
      b.append(body);
    }
    out.write(b.toString().getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        String s = b.toString(StandardCharsets.US_ASCII);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.US_ASCII);
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing
    }
    executor.shutdownNow();
  }
}
