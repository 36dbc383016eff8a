package io.serve4j.server.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.AsciiString;
import java.util.function.Supplier;

/**
 * HTTP/2 cleartext (h2c) on the REST port, next to HTTP/1.1: a connection that starts with the
 * HTTP/2 preface (prior knowledge) or asks {@code Upgrade: h2c} speaks HTTP/2, any other stays
 * HTTP/1.1. Each HTTP/2 stream is a child channel whose frames {@link
 * Http2StreamFrameToHttpObjectCodec} turns into the HTTP/1.1 objects the REST pipeline reads, so
 * the same aggregator (body limit, 413), handler (routes, deadline header, errors) and drain serve
 * both; connection-specific headers ({@code Connection}, {@code Keep-Alive}) are dropped on the way
 * out, as HTTP/2 requires.
 *
 * <p>Limits: header lists up to {@value #MAX_HEADER_LIST_BYTES} bytes (as the HTTP/1.1 codec's 16
 * KiB header limit), {@value #MAX_CONCURRENT_STREAMS} concurrent streams per connection; the body
 * limit is the REST one, per stream.
 */
final class H2cRest {
  static final int MAX_HEADER_LIST_BYTES = 16384;
  static final int MAX_CONCURRENT_STREAMS = 256;

  private H2cRest() {}

  /**
   * Sets up a new connection's pipeline: h2c by preface or upgrade, else HTTP/1.1 through {@code
   * http1} followed by {@code rest}.
   *
   * @param pipeline the connection's pipeline
   * @param http1 the HTTP/1.1 codec
   * @param maxRequestBytes the body limit (also for an upgrade request's body)
   * @param rest the REST handlers (aggregator, then handler), new ones per call
   */
  static void configure(
      ChannelPipeline pipeline,
      HttpServerCodec http1,
      int maxRequestBytes,
      Supplier<ChannelHandler[]> rest) {
    HttpServerUpgradeHandler.UpgradeCodecFactory upgrades =
        protocol ->
            AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                ? new Http2ServerUpgradeCodec(frameCodec(), multiplex(rest))
                : null;
    pipeline.addLast(
        "h2c",
        new CleartextHttp2ServerUpgradeHandler(
            http1,
            new HttpServerUpgradeHandler(http1, upgrades, maxRequestBytes),
            new ChannelInitializer<Channel>() {
              // prior knowledge: the connection opened with the HTTP/2 preface
              @Override
              protected void initChannel(Channel ch) {
                ch.pipeline().addLast(frameCodec(), multiplex(rest));
              }
            }));
    // HTTP/1.1 (the upgrade handlers remove themselves after an upgrade; then these see nothing)
    pipeline.addLast(rest.get());
  }

  private static Http2FrameCodec frameCodec() {
    return Http2FrameCodecBuilder.forServer()
        .initialSettings(
            Http2Settings.defaultSettings()
                .maxHeaderListSize(MAX_HEADER_LIST_BYTES)
                .maxConcurrentStreams(MAX_CONCURRENT_STREAMS))
        .build();
  }

  private static Http2MultiplexHandler multiplex(Supplier<ChannelHandler[]> rest) {
    return new Http2MultiplexHandler(
        new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel stream) {
            stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true));
            stream.pipeline().addLast(rest.get());
          }
        });
  }
}
