package io.serve4j.server.internal;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** The REST transport: Netty, HTTP/1.1 with keep-alive and HTTP/2 cleartext ({@link H2cRest}). */
public final class Rest {
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Channel server;
  private final ChannelGroup connections;
  private final Models models;
  private final int port;

  private Rest(
      EventLoopGroup boss,
      EventLoopGroup workers,
      Channel server,
      ChannelGroup connections,
      Models models) {
    this.boss = boss;
    this.workers = workers;
    this.server = server;
    this.connections = connections;
    this.models = models;
    this.port = ((InetSocketAddress) server.localAddress()).getPort();
  }

  /**
   * Binds and starts.
   *
   * @param host address to bind
   * @param port port, 0 for any
   * @param maxRequestBytes largest body
   * @param ioThreads worker threads, 0 for Netty's default
   * @param models the models
   * @param inflight the drain counter
   * @return the running transport
   * @throws ServingException UNAVAILABLE if the port cannot be bound
   */
  public static Rest start(
      String host,
      int port,
      long maxRequestBytes,
      int ioThreads,
      Models models,
      Inflight inflight) {
    EventLoopGroup boss = new NioEventLoopGroup(1, new DefaultThreadFactory("serve4j-oip-accept"));
    EventLoopGroup workers =
        new NioEventLoopGroup(ioThreads, new DefaultThreadFactory("serve4j-oip-io"));
    ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    try {
      ServerBootstrap b =
          new ServerBootstrap()
              .group(boss, workers)
              .channel(NioServerSocketChannel.class)
              .option(ChannelOption.SO_BACKLOG, 1024)
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childHandler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                      connections.add(ch);
                      // HTTP/1.1, and h2c by prior knowledge or Upgrade: the same handlers
                      H2cRest.configure(
                          ch.pipeline(),
                          new HttpServerCodec(8192, 16384, 65536),
                          (int) maxRequestBytes,
                          () ->
                              new io.netty.channel.ChannelHandler[] {
                                new RestHandler.Aggregator((int) maxRequestBytes),
                                new RestHandler(models, inflight)
                              });
                    }
                  });
      Channel ch = b.bind(host, port).syncUninterruptibly().channel();
      return new Rest(boss, workers, ch, connections, models);
    } catch (Exception e) {
      // Netty rethrows the bind's checked exception (BindException) undeclared
      boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw ServingException.builder(ErrorCategory.UNAVAILABLE)
          .message("cannot serve REST on " + host + ":" + port + ": " + e.getMessage())
          .cause(e)
          .build();
    }
  }

  /**
   * Returns the bound port.
   *
   * @return the port
   */
  public int port() {
    return port;
  }

  /**
   * Returns the served model names.
   *
   * @return the names
   */
  public Set<String> modelNames() {
    return models.names();
  }

  /** Closes the listening socket: no new connection. */
  public void stopAccepting() {
    server.close().syncUninterruptibly();
  }

  /**
   * Waits for requests in flight (up to the timeout), then closes every connection and thread.
   *
   * @param timeout the longest wait for requests in flight
   * @param inflight the counter
   */
  public void stop(Duration timeout, Inflight inflight) {
    server.close().syncUninterruptibly();
    inflight.awaitIdle(timeout);
    connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    boss.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
    workers.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
