package io.serve4j.server;

import io.serve4j.Endpoint;
import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import io.serve4j.ServingListener;
import io.serve4j.server.internal.Grpc;
import io.serve4j.server.internal.Inflight;
import io.serve4j.server.internal.Models;
import io.serve4j.server.internal.Rest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Serves serve4j {@link Endpoint}s over the Open Inference Protocol v2 (KServe / Triton): REST
 * (JSON tensors and the binary tensor extension) and, if asked for, gRPC ({@code
 * inference.GRPCInferenceService}).
 *
 * <pre>{@code
 * try (ServingClient client = Serve4j.builder().provider("local").build()) {
 *   client.deploy(EndpointSpec.of("mlp", Model.onnx("mlp", Path.of("mlp.onnx")))).await();
 *   try (OipServer server = OipServer.builder()
 *       .endpoint("mlp", client.endpoint("mlp"))
 *       .port(8080)          // 0: any free port, see port()
 *       .grpcPort(8081)      // optional
 *       .start()) {
 *     server.awaitTermination();
 *   }
 * }
 * }</pre>
 *
 * <p>A model is served under the name given to {@link Builder#endpoint}; any endpoint works (the
 * local ONNX runtime, with its dynamic batching, or a cloud endpoint, which makes this a proxy).
 * Each request becomes one {@link Endpoint#predictAsync} call: the endpoint's deadline, retry and
 * batching rules apply, and its typed errors become protocol errors ({@code {"error": "..."}} with
 * an HTTP status, or a gRPC status; the table is in the module README).
 *
 * <p>{@link #close()} drains: the listening sockets close, new requests on open connections are
 * refused (HTTP 503 / gRPC UNAVAILABLE), requests in flight complete, up to {@link
 * Builder#drainTimeout}. The endpoints are not closed: they belong to the caller.
 *
 * <p>Thread-safe. The server owns its threads; they are not daemon threads.
 */
public final class OipServer implements AutoCloseable {
  private final Models models;
  private final Rest rest;
  private final Grpc grpc;
  private final Inflight inflight;
  private final Duration drainTimeout;
  private final Object lock = new Object();
  private boolean closed;

  private OipServer(Builder b) {
    Models models = new Models(b.endpoints, b.listener, b.workerThreads, b.inlineThreshold);
    this.models = models;
    this.inflight = new Inflight();
    this.drainTimeout = b.drainTimeout;
    Rest r = null;
    Grpc g = null;
    try {
      r = Rest.start(b.host, b.port, b.maxRequestBytes, b.ioThreads, models, inflight);
      if (b.grpcPort >= 0) {
        g = Grpc.start(b.host, b.grpcPort, b.maxRequestBytes, models, inflight);
      }
    } catch (RuntimeException e) {
      if (r != null) {
        r.stop(Duration.ZERO, inflight);
      }
      models.shutdown();
      throw e;
    }
    this.rest = r;
    this.grpc = g;
  }

  /**
   * Returns a new builder.
   *
   * @return a builder (not thread-safe)
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the bound REST (HTTP/1.1) port: the one given, or the one chosen for port 0.
   *
   * @return the port
   */
  public int port() {
    return rest.port();
  }

  /**
   * Returns the bound gRPC port, if gRPC is served.
   *
   * @return the port, or empty without {@link Builder#grpcPort}
   */
  public OptionalInt grpcPort() {
    return grpc == null ? OptionalInt.empty() : OptionalInt.of(grpc.port());
  }

  /**
   * Returns the number of requests being served now.
   *
   * @return requests in flight (REST and gRPC)
   */
  public int inflight() {
    return inflight.count();
  }

  /**
   * Blocks until the server is closed (by {@link #close()} from another thread, or a shutdown
   * hook).
   *
   * @throws InterruptedException if interrupted while waiting
   */
  public void awaitTermination() throws InterruptedException {
    synchronized (lock) {
      while (!closed) {
        lock.wait();
      }
    }
  }

  /**
   * Drains and stops: no new connection or request is taken, requests in flight complete (up to
   * {@link Builder#drainTimeout}), then the sockets and threads close. Idempotent.
   */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    try {
      inflight.startDraining();
      long deadline = System.nanoTime() + drainTimeout.toNanos();
      if (grpc != null) {
        grpc.stopAccepting();
      }
      rest.stopAccepting();
      Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
      rest.stop(left, inflight);
      if (grpc != null) {
        grpc.stop(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
      }
      models.shutdown();
    } finally {
      synchronized (lock) {
        lock.notifyAll();
      }
    }
  }

  @Override
  public String toString() {
    return "OipServer[port="
        + rest.port()
        + (grpc != null ? ", grpcPort=" + grpc.port() : "")
        + ", models="
        + rest.modelNames()
        + "]";
  }

  /**
   * Configures an {@link OipServer}. Not thread-safe; {@link #start()} may be called more than once
   * (each call starts a new server).
   */
  public static final class Builder {
    private final Map<String, Endpoint> endpoints = new LinkedHashMap<>();
    private String host = "127.0.0.1";
    private int port = 8080;
    private int grpcPort = -1;
    private long maxRequestBytes = 64L << 20;
    private int ioThreads = 0;
    private int workerThreads = 64;
    private Duration inlineThreshold = Duration.ofNanos(100_000);
    private Duration drainTimeout = Duration.ofSeconds(30);
    private ServingListener listener;

    private Builder() {}

    /**
     * Serves an endpoint as the model {@code name} ({@code /v2/models/{name}}).
     *
     * @param name the model name in URLs and gRPC requests: letters, digits, {@code . _ -}
     * @param endpoint the endpoint; the server does not close it
     * @return this builder
     * @throws io.serve4j.InvalidInputException if the name is invalid or already served
     */
    public Builder endpoint(String name, Endpoint endpoint) {
      Objects.requireNonNull(endpoint, "endpoint");
      if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,127}")) {
        throw invalid("model name '" + name + "' must be 1-128 letters, digits, '.', '_' or '-'");
      }
      if (endpoints.putIfAbsent(name, endpoint) != null) {
        throw invalid("model '" + name + "' is already served");
      }
      return this;
    }

    /**
     * Sets the address to bind. Default {@code 127.0.0.1} (this machine only); {@code 0.0.0.0} for
     * every interface.
     *
     * @param host an address or host name
     * @return this builder
     */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /**
     * Sets the REST port. Default 8080; 0 picks a free port ({@link OipServer#port()}).
     *
     * @param port 0-65535
     * @return this builder
     */
    public Builder port(int port) {
      this.port = checkPort(port);
      return this;
    }

    /**
     * Serves gRPC on this port as well. Default: no gRPC; 0 picks a free port ({@link
     * OipServer#grpcPort()}).
     *
     * @param port 0-65535
     * @return this builder
     */
    public Builder grpcPort(int port) {
      this.grpcPort = checkPort(port);
      return this;
    }

    /**
     * Sets the largest request accepted: a REST body (HTTP 413 beyond it) or a gRPC message
     * (RESOURCE_EXHAUSTED). Default 64 MiB.
     *
     * @param bytes 1 byte to 2 GiB - 1
     * @return this builder
     */
    public Builder maxRequestBytes(long bytes) {
      if (bytes < 1 || bytes > Integer.MAX_VALUE) {
        throw invalid("maxRequestBytes must be 1.." + Integer.MAX_VALUE + ", not " + bytes);
      }
      this.maxRequestBytes = bytes;
      return this;
    }

    /**
     * Sets the number of REST I/O threads. Default 0: Netty's default (twice the processors).
     *
     * @param threads 0 or more
     * @return this builder
     */
    public Builder ioThreads(int threads) {
      if (threads < 0) {
        throw invalid("ioThreads must be 0 or more, not " + threads);
      }
      this.ioThreads = threads;
      return this;
    }

    /**
     * Sets the number of threads that call the endpoints. The local runtime computes on the calling
     * thread and its dynamic batcher gathers concurrent callers into one batch, so this bounds the
     * requests computed or batched at once; more wait in a queue (their deadline runs). Default 64.
     * Threads start as needed, an idle one reused before another starts (about as many as requests
     * in flight), and end after 60 s idle, but one.
     *
     * <p>0 calls the endpoints on the I/O threads, always, saving two thread hand-offs per request:
     * only for endpoints that answer in microseconds on the calling thread (a small local model
     * without dynamic batching). A slow, remote or batched endpoint would stall every connection of
     * that I/O thread, and the server's own deadline cannot fire before the call returns. With
     * worker threads, {@link #inlineThreshold} does this per endpoint, when it is safe.
     *
     * @param threads 0 or more
     * @return this builder
     */
    public Builder workerThreads(int threads) {
      if (threads < 0) {
        throw invalid("workerThreads must be 0 or more, not " + threads);
      }
      this.workerThreads = threads;
      return this;
    }

    /**
     * Calls an endpoint on the I/O thread, skipping the two thread hand-offs to and from a worker,
     * if it runs each request alone and its calls hold the calling thread for less than this.
     * Default 100 µs: about what the two hand-offs cost, so an I/O thread's other connections wait
     * no longer than they would for the hand-offs.
     *
     * <p>One rule, per endpoint. What it is: an endpoint with a deployment that batches ({@link
     * io.serve4j.DeploymentDescription#batching()}, e.g. the local runtime's dynamic batching,
     * which parks a caller until its batch is done) is always called on a worker, as is one whose
     * description fails; the first call, on a worker, describes it. How long it takes: a request is
     * called on the I/O thread only if the last call at least as large (input bytes) held the
     * calling thread for less than the threshold (the whole inference for the local runtime; the
     * time to send for an endpoint that answers asynchronously). One call over the threshold (a
     * model grown slow, or a pause of the JVM or machine) sends the next calls of that size to a
     * worker until one is measured under it again, and has the endpoint described again (it may
     * have been updated to batch). So a slow, batched or blocking endpoint is never called on an
     * I/O thread, except for the one call that shows it became slow; a fast one loses one call to a
     * hiccup. {@link Duration#ZERO}: always on the workers.
     *
     * @param threshold zero or more
     * @return this builder
     */
    public Builder inlineThreshold(Duration threshold) {
      if (threshold == null || threshold.isNegative()) {
        throw invalid("inlineThreshold must be zero or more, not " + threshold);
      }
      this.inlineThreshold = threshold;
      return this;
    }

    /**
     * Sets how long {@link OipServer#close()} waits for requests in flight. Default 30 s.
     *
     * @param timeout zero or more
     * @return this builder
     */
    public Builder drainTimeout(Duration timeout) {
      if (timeout == null || timeout.isNegative()) {
        throw invalid("drainTimeout must be zero or more, not " + timeout);
      }
      this.drainTimeout = timeout;
      return this;
    }

    /**
     * Observes every inference the server serves (operation {@code PREDICT}, provider id {@code
     * "oip-server"}, the model name as endpoint): the hook for metrics, e.g. serve4j-micrometer's
     * listener for Prometheus. Callbacks must not block; a throwing listener is ignored.
     *
     * @param listener the listener, or null for none
     * @return this builder
     */
    public Builder listener(ServingListener listener) {
      this.listener = listener;
      return this;
    }

    /**
     * Binds the ports and starts serving.
     *
     * @return the running server
     * @throws io.serve4j.InvalidInputException if no endpoint was given
     * @throws io.serve4j.UnavailableException if a port cannot be bound
     */
    public OipServer start() {
      if (endpoints.isEmpty()) {
        throw invalid("no endpoint to serve: call endpoint(name, endpoint) first");
      }
      return new OipServer(this);
    }

    private static int checkPort(int port) {
      if (port < 0 || port > 65535) {
        throw invalid("port must be 0..65535, not " + port);
      }
      return port;
    }

    private static ServingException invalid(String message) {
      return ServingException.builder(ErrorCategory.INVALID_INPUT).message(message).build();
    }
  }
}
