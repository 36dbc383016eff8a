package io.serve4j.server.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.ServingException;
import io.serve4j.TensorSpec;
import io.serve4j.protocol.OipJson;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Routes the OIP v2 REST API. One request per connection at a time: reading pauses while a request
 * is served, so keep-alive responses keep their order.
 */
final class RestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  /** The deadline header: {@code 250ms}, {@code 2s}, or a number of milliseconds. */
  static final String TIMEOUT_HEADER = "Request-Timeout";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SERVER_VERSION = "0.1.0-SNAPSHOT";

  private final Models models;
  private final Inflight inflight;

  RestHandler(Models models, Inflight inflight) {
    super(true);
    this.models = models;
    this.inflight = inflight;
  }

  /** Aggregates bodies up to the limit; beyond it answers 413 with the OIP error body. */
  static final class Aggregator extends HttpObjectAggregator {
    private final int max;

    Aggregator(int max) {
      super(max, true);
      this.max = max;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
      FullHttpResponse r =
          response(
              HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
              OipJson.writeError("request body exceeds the server's limit of " + max + " bytes"));
      // The aggregator reads and discards the rest of the body, so the connection stays usable
      // (and the client, still sending, reads this answer instead of a reset).
      if (HttpUtil.isKeepAlive(oversized)) {
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        ctx.writeAndFlush(r, ctx.voidPromise());
      } else {
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
      }
    }
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    if (!req.decoderResult().isSuccess()) {
      FullHttpResponse r =
          response(HttpResponseStatus.BAD_REQUEST, OipJson.writeError("malformed HTTP request"));
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    boolean keepAlive = HttpUtil.isKeepAlive(req);
    String path = new QueryStringDecoder(req.uri()).path();
    String[] p = path.length() > 1 ? path.substring(1).split("/", -1) : new String[0];
    try {
      if (p.length == 0 || !p[0].equals("v2")) {
        throw notFound(path);
      }
      if (p.length == 1) {
        get(req);
        ObjectNode o = JSON.createObjectNode();
        o.put("name", "serve4j");
        o.put("version", SERVER_VERSION);
        o.putArray("extensions").add("binary_tensor_data");
        send(ctx, HttpResponseStatus.OK, json(o), keepAlive, null);
        return;
      }
      if (p[1].equals("health") && p.length == 3) {
        get(req);
        if (p[2].equals("live")) {
          send(
              ctx,
              HttpResponseStatus.OK,
              json(JSON.createObjectNode().put("live", true)),
              keepAlive,
              null);
          return;
        }
        if (p[2].equals("ready")) {
          boolean ready = !inflight.draining() && models.allReady();
          send(
              ctx,
              ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
              json(JSON.createObjectNode().put("ready", ready)),
              keepAlive,
              null);
          return;
        }
        throw notFound(path);
      }
      if (!p[1].equals("models") || p.length < 3 || p[2].isEmpty()) {
        throw notFound(path);
      }
      String model = QueryStringDecoder.decodeComponent(p[2]);
      String version = null;
      int rest = 3;
      if (p.length >= 5 && p[3].equals("versions")) {
        version = QueryStringDecoder.decodeComponent(p[4]);
        rest = 5;
      }
      if (p.length == rest) {
        get(req);
        send(
            ctx,
            HttpResponseStatus.OK,
            json(metadata(models.metadata(model, version))),
            keepAlive,
            null);
        return;
      }
      if (p.length == rest + 1 && p[rest].equals("ready")) {
        get(req);
        boolean ready = !inflight.draining() && models.ready(model, version);
        ObjectNode o = JSON.createObjectNode().put("name", model).put("ready", ready);
        send(
            ctx,
            ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
            json(o),
            keepAlive,
            null);
        return;
      }
      if (p.length == rest + 1 && p[rest].equals("infer")) {
        if (!req.method().equals(HttpMethod.POST)) {
          throw methodNotAllowed(req);
        }
        infer(ctx, req, model, version, keepAlive);
        return;
      }
      throw notFound(path);
    } catch (ServingException e) {
      sendError(ctx, e, keepAlive);
    } catch (MethodNotAllowed e) {
      send(
          ctx,
          HttpResponseStatus.METHOD_NOT_ALLOWED,
          OipJson.writeError(e.getMessage()),
          keepAlive,
          null);
    } catch (RuntimeException | Error e) {
      sendError(ctx, Errors.typed(e), keepAlive);
    }
  }

  private void infer(
      ChannelHandlerContext ctx,
      FullHttpRequest req,
      String model,
      String version,
      boolean keepAlive) {
    if (!inflight.tryEnter()) {
      sendError(ctx, Errors.of(ErrorCategory.UNAVAILABLE, "the server is shutting down"), false);
      return;
    }
    BinaryTensors.Parsed parsed;
    Duration timeout;
    try {
      models.require(model, version);
      timeout = timeout(req.headers().get(TIMEOUT_HEADER));
      byte[] body = ByteBufUtil.getBytes(req.content());
      String headerLength = req.headers().get(BinaryTensors.HEADER_LENGTH);
      if (headerLength != null) {
        int n;
        try {
          n = Integer.parseInt(headerLength.trim());
        } catch (NumberFormatException e) {
          throw Errors.of(
              ErrorCategory.INVALID_INPUT,
              BinaryTensors.HEADER_LENGTH + " '" + headerLength + "' is not a number");
        }
        parsed = BinaryTensors.read(body, n);
      } else if (BinaryTensors.mentionsBinary(body)) {
        parsed = BinaryTensors.read(body, body.length);
      } else {
        parsed = new BinaryTensors.Parsed(OipJson.readRequest(body), false, Set.of());
      }
    } catch (RuntimeException | Error e) {
      inflight.exit();
      sendError(ctx, Errors.typed(e), keepAlive);
      return;
    }
    // One request at a time per connection: keep-alive responses stay in order.
    ctx.channel().config().setAutoRead(false);
    BinaryTensors.Parsed request = parsed;
    InferenceRequest r = parsed.request();
    models
        .infer(model, version, r, timeout)
        .whenComplete(
            (resp, t) -> {
              try {
                if (t != null) {
                  sendError(ctx, Errors.typed(t), keepAlive);
                } else {
                  respond(ctx, resp, request, keepAlive);
                }
              } catch (RuntimeException | Error e) {
                sendError(ctx, Errors.typed(e), keepAlive);
              } finally {
                inflight.exit();
                ctx.channel().config().setAutoRead(true);
              }
            });
  }

  private void respond(
      ChannelHandlerContext ctx,
      InferenceResponse resp,
      BinaryTensors.Parsed request,
      boolean keepAlive) {
    if (request.anyBinary()) {
      BinaryTensors.Written w = BinaryTensors.write(resp, request);
      send(ctx, HttpResponseStatus.OK, w.body(), keepAlive, w.headerLength());
    } else {
      // Straight into a pooled (direct) buffer that goes to the socket as it is: no byte[] of
      // the answer, no copy of it.
      ByteBuf buf = ctx.alloc().buffer(jsonSizeHint(resp));
      try {
        OipJson.writeResponse(resp, new ByteBufOutputStream(buf));
      } catch (RuntimeException | Error e) {
        buf.release();
        throw e;
      }
      send(ctx, HttpResponseStatus.OK, buf, keepAlive, null);
    }
  }

  /** About the JSON size of a response: a float takes about 11 characters with its comma. */
  private static int jsonSizeHint(InferenceResponse resp) {
    long n = 256;
    for (io.serve4j.Tensor t : resp.outputs()) {
      n += 64 + 12 * t.elementCount();
    }
    return (int) Math.min(n, 1 << 24);
  }

  private static Duration timeout(String v) {
    if (v == null) {
      return null;
    }
    String s = v.trim();
    try {
      long ms;
      if (s.endsWith("ms")) {
        ms = Long.parseLong(s.substring(0, s.length() - 2).trim());
      } else if (s.endsWith("s")) {
        ms = Math.multiplyExact(Long.parseLong(s.substring(0, s.length() - 1).trim()), 1000L);
      } else {
        ms = Long.parseLong(s);
      }
      if (ms <= 0) {
        throw new NumberFormatException();
      }
      return Duration.ofMillis(ms);
    } catch (NumberFormatException | ArithmeticException e) {
      throw Errors.of(
          ErrorCategory.INVALID_INPUT,
          TIMEOUT_HEADER + " '" + v + "' must be a positive duration: 250ms, 2s or 250 (ms)");
    }
  }

  private static ObjectNode metadata(Models.Metadata m) {
    ObjectNode o = JSON.createObjectNode();
    o.put("name", m.name());
    if (!m.versions().isEmpty()) {
      ArrayNode v = o.putArray("versions");
      m.versions().forEach(v::add);
    }
    o.put("platform", m.platform());
    tensors(o.putArray("inputs"), m.inputs());
    tensors(o.putArray("outputs"), m.outputs());
    return o;
  }

  private static void tensors(ArrayNode a, List<TensorSpec> specs) {
    for (TensorSpec t : specs) {
      ObjectNode o = a.addObject();
      o.put("name", t.name());
      o.put("datatype", t.dataType().protocolName());
      ArrayNode s = o.putArray("shape");
      for (long d : t.shape().toArray()) {
        s.add(d < 0 ? -1 : d);
      }
    }
  }

  private static byte[] json(ObjectNode o) {
    try {
      return JSON.writeValueAsBytes(o);
    } catch (IOException e) {
      throw Errors.of(ErrorCategory.INTERNAL, "cannot write JSON");
    }
  }

  private static void get(FullHttpRequest req) {
    if (!req.method().equals(HttpMethod.GET)) {
      throw methodNotAllowed(req);
    }
  }

  private static MethodNotAllowed methodNotAllowed(FullHttpRequest req) {
    return new MethodNotAllowed(
        "method "
            + req.method()
            + " is not allowed on "
            + new QueryStringDecoder(req.uri()).path());
  }

  private static ServingException notFound(String path) {
    return Errors.of(ErrorCategory.NOT_FOUND, "no Open Inference Protocol resource at " + path);
  }

  private void sendError(ChannelHandlerContext ctx, ServingException e, boolean keepAlive) {
    send(
        ctx,
        HttpResponseStatus.valueOf(Errors.httpStatus(e.category())),
        OipJson.writeError(Errors.message(e)),
        keepAlive && !inflight.draining(),
        null);
  }

  private void send(
      ChannelHandlerContext ctx,
      HttpResponseStatus status,
      byte[] body,
      boolean keepAlive,
      Integer binaryHeaderLength) {
    send(ctx, status, Unpooled.wrappedBuffer(body), keepAlive, binaryHeaderLength);
  }

  private void send(
      ChannelHandlerContext ctx,
      HttpResponseStatus status,
      ByteBuf body,
      boolean keepAlive,
      Integer binaryHeaderLength) {
    FullHttpResponse r = response(status, body);
    if (binaryHeaderLength != null) {
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
      r.headers().set(BinaryTensors.HEADER_LENGTH, binaryHeaderLength);
    }
    boolean keep = keepAlive && !inflight.draining();
    if (keep) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      ctx.writeAndFlush(r, ctx.voidPromise());
    } else {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }
  }

  static FullHttpResponse response(HttpResponseStatus status, byte[] body) {
    return response(status, Unpooled.wrappedBuffer(body));
  }

  static FullHttpResponse response(HttpResponseStatus status, ByteBuf body) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
    return r;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  /** A known resource asked with the wrong method. */
  private static final class MethodNotAllowed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MethodNotAllowed(String message) {
      super(message, null, false, false);
    }
  }
}
