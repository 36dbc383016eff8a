package io.serve4j.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal HTTP/1.1 keep-alive client over one socket: every request on the same connection, so a
 * test sees whether the server ever dropped it.
 */
final class Http implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  Http(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setTcpNoDelay(true);
    socket.setSoTimeout(30_000);
    in = new java.io.BufferedInputStream(socket.getInputStream(), 65536);
    out = socket.getOutputStream();
  }

  record Response(int status, Map<String, String> headers, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  Response get(String path) throws IOException {
    return send("GET", path, null, Map.of());
  }

  Response post(String path, String json) throws IOException {
    return send("POST", path, json.getBytes(StandardCharsets.UTF_8), Map.of());
  }

  Response send(String method, String path, byte[] body, Map<String, String> headers)
      throws IOException {
    StringBuilder sb = new StringBuilder();
    sb.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: localhost\r\n");
    headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
    if (body != null) {
      sb.append("Content-Type: application/json\r\nContent-Length: ")
          .append(body.length)
          .append("\r\n");
    }
    sb.append("\r\n");
    out.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
    if (body != null) {
      out.write(body);
    }
    out.flush();
    return read();
  }

  private Response read() throws IOException {
    String status = line();
    if (status == null) {
      throw new IOException("connection closed by the server");
    }
    int code = Integer.parseInt(status.split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    String l;
    while ((l = line()) != null && !l.isEmpty()) {
      int c = l.indexOf(':');
      headers.put(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
    }
    int n = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    byte[] body = in.readNBytes(n);
    if (body.length != n) {
      throw new IOException("connection closed inside a body");
    }
    return new Response(code, headers, body);
  }

  private String line() throws IOException {
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

  boolean isOpen() {
    return !socket.isClosed() && socket.isConnected();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
