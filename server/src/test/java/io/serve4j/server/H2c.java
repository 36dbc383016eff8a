package io.serve4j.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A test client speaking HTTP/2 with prior knowledge (no upgrade: the connection opens with the
 * HTTP/2 preface) over one connection, a stream per request, Netty's own HTTP/2 client codec.
 */
final class H2c implements AutoCloseable {
  record Response(int status, String text, Map<String, String> headers) {}

  private final EventLoopGroup group = new NioEventLoopGroup(1);
  private final Channel connection;

  H2c(int port) throws InterruptedException {
    connection =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast(
                            Http2FrameCodecBuilder.forClient().build(),
                            new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                  }
                })
            .connect("127.0.0.1", port)
            .sync()
            .channel();
  }

  boolean isOpen() {
    return connection.isActive();
  }

  Response get(String path) throws Exception {
    return send(HttpMethod.GET, path, null, Map.of());
  }

  Response post(String path, String body, Map<String, String> headers) throws Exception {
    return send(HttpMethod.POST, path, body.getBytes(StandardCharsets.UTF_8), headers);
  }

  Response send(HttpMethod method, String path, byte[] body, Map<String, String> headers)
      throws Exception {
    CompletableFuture<Response> answer = new CompletableFuture<>();
    Http2StreamChannel stream =
        new Http2StreamChannelBootstrap(connection)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast(
                            new Http2StreamFrameToHttpObjectCodec(false),
                            new HttpObjectAggregator(16 << 20),
                            new SimpleChannelInboundHandler<FullHttpResponse>() {
                              @Override
                              protected void channelRead0(
                                  ChannelHandlerContext ctx, FullHttpResponse r) {
                                Map<String, String> h = new java.util.TreeMap<>();
                                r.headers()
                                    .forEach(e -> h.put(e.getKey().toLowerCase(), e.getValue()));
                                answer.complete(
                                    new Response(
                                        r.status().code(),
                                        r.content().toString(StandardCharsets.UTF_8),
                                        h));
                              }

                              @Override
                              public void channelInactive(ChannelHandlerContext ctx) {
                                answer.completeExceptionally(
                                    new java.io.IOException("stream closed without an answer"));
                              }

                              @Override
                              public void exceptionCaught(ChannelHandlerContext ctx, Throwable t) {
                                answer.completeExceptionally(t);
                              }
                            });
                  }
                })
            .open()
            .sync()
            .getNow();
    FullHttpRequest req =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1,
            method,
            path,
            body == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
    req.headers().set(HttpHeaderNames.HOST, "127.0.0.1");
    req.headers().set("x-http2-scheme", "http");
    if (body != null) {
      req.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
      req.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    }
    headers.forEach(req.headers()::set);
    stream.writeAndFlush(req);
    return answer.get(20, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    connection.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
