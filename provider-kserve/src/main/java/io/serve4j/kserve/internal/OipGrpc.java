package io.serve4j.kserve.internal;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.serve4j.EndpointDescription;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.ServingException;
import io.serve4j.kserve.KserveProvider;
import io.serve4j.server.grpc.GRPCInferenceServiceGrpc;
import io.serve4j.server.grpc.ModelInferRequest;
import io.serve4j.server.grpc.ModelInferResponse;
import io.serve4j.server.grpc.ProtoTensors;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.EndpointLifecycle;
import io.serve4j.spi.Inference;
import io.serve4j.spi.Redactor;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The inference part over gRPC: one {@code inference.GRPCInferenceService/ModelInfer} call per core
 * attempt, tensors as {@code raw_input_contents} / {@code raw_output_contents}, the call's deadline
 * as the gRPC deadline, the request id in {@code x-request-id} metadata. The target is the host and
 * port of {@code status.url} (80 / 443 by scheme, TLS for {@code https}) or {@link
 * io.serve4j.kserve.KServeOptions#grpcTarget()}; the service's host is the {@code :authority}. One
 * channel per target, all shut down by {@link #close()}. gRPC's own retries are off: core retries.
 */
public final class OipGrpc implements Inference, AutoCloseable {
  /** The request id metadata key (as the REST header). */
  static final Metadata.Key<String> REQUEST_ID =
      Metadata.Key.of(OipRest.REQUEST_ID, Metadata.ASCII_STRING_MARSHALLER);

  /** The largest answer accepted, as serve4j-server's default request limit. */
  static final int MAX_MESSAGE_BYTES = 64 << 20;

  private final EndpointLifecycle lifecycle;
  private final String targetOverride;
  private final Executor executor;
  private final Map<Target, ManagedChannel> channels = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /** Where a service's gRPC calls go. */
  record Target(String host, int port, String authority, boolean tls) {}

  /**
   * Creates the part.
   *
   * @param lifecycle to describe an endpoint core could not describe
   * @param targetOverride {@code host:port} replacing the one from {@code status.url}, or null
   * @param executor where gRPC runs its callbacks
   */
  public OipGrpc(EndpointLifecycle lifecycle, String targetOverride, Executor executor) {
    this.lifecycle = lifecycle;
    this.targetOverride = targetOverride;
    this.executor = executor;
  }

  @Override
  public CompletableFuture<InferenceResponse> predict(
      String name, EndpointDescription endpoint, InferenceRequest request, CallContext ctx) {
    return PredictCall.send(lifecycle, name, endpoint, request, ctx, this::send);
  }

  /**
   * The gRPC target of a service: the override, else the host and port of {@code status.url}.
   *
   * @param name the endpoint name
   * @param d its description
   * @param override {@code host:port}, or null
   * @return the target
   */
  static Target target(String name, EndpointDescription d, String override) {
    URI url = d.url().orElse(null);
    if (override != null) {
      int colon = override.lastIndexOf(':');
      String host = override.substring(0, colon).replaceAll("^\\[|\\]$", "");
      int port = Integer.parseInt(override.substring(colon + 1));
      // an ingress gateway routes by the service's host name
      String authority = url != null && url.getHost() != null ? url.getHost() : override;
      return new Target(host, port, authority, false);
    }
    if (url == null || url.getHost() == null) {
      throw ServingException.builder(ErrorCategory.UNAVAILABLE)
          .providerId(KserveProvider.ID)
          .message(
              "InferenceService '"
                  + name
                  + "' has no status.url yet (status "
                  + d.status()
                  + "); or set KServeOptions.grpcTarget")
          .build();
    }
    boolean tls = "https".equalsIgnoreCase(url.getScheme());
    int port = url.getPort() > 0 ? url.getPort() : tls ? 443 : 80;
    return new Target(url.getHost(), port, url.getAuthority(), tls);
  }

  private ManagedChannel channel(Target t) {
    return channels.computeIfAbsent(
        t,
        k -> {
          NettyChannelBuilder b =
              NettyChannelBuilder.forAddress(k.host(), k.port())
                  .overrideAuthority(k.authority())
                  .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                  .executor(executor)
                  .disableRetry(); // one wire attempt per core attempt
          if (k.tls()) {
            b.useTransportSecurity();
          } else {
            b.usePlaintext();
          }
          return b.build();
        });
  }

  private CompletableFuture<InferenceResponse> send(PredictCall c) {
    if (closed) {
      throw ServingException.builder(ErrorCategory.UNAVAILABLE)
          .providerId(KserveProvider.ID)
          .message("the KServe client is closed")
          .build();
    }
    String what = c.what();
    Target target = target(c.name(), c.endpoint(), targetOverride);
    ModelInferRequest message = ProtoTensors.writeRequest(c.model(), c.request());
    Metadata headers = new Metadata();
    headers.put(REQUEST_ID, c.requestId());
    ClientCall<ModelInferRequest, ModelInferResponse> call =
        io.grpc.ClientInterceptors.intercept(
                channel(target), io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers))
            .newCall(
                GRPCInferenceServiceGrpc.getModelInferMethod(),
                CallOptions.DEFAULT.withDeadlineAfter(c.timeout().toNanos(), TimeUnit.NANOSECONDS));
    CompletableFuture<InferenceResponse> result = new CompletableFuture<>();
    ClientCalls.asyncUnaryCall(
        call,
        message,
        new StreamObserver<>() {
          private ModelInferResponse answer;

          @Override
          public void onNext(ModelInferResponse value) {
            answer = value;
          }

          @Override
          public void onError(Throwable t) {
            result.completeExceptionally(KServeErrors.map(what, t));
          }

          @Override
          public void onCompleted() {
            try {
              result.complete(response(answer));
            } catch (ServingException e) {
              result.completeExceptionally(e);
            }
          }
        });
    // a cancel (core's deadline, the caller) reaches the wire
    result.whenComplete(
        (r, e) -> {
          if (result.isCancelled()) {
            call.cancel("cancelled by the caller", null);
          }
        });
    return result;
  }

  /**
   * Reads a ModelInferResponse with serve4j-server's codec.
   *
   * @param r the message
   * @return the response
   * @throws ServingException INTERNAL, service side, "malformed", if it does not describe tensors
   */
  static InferenceResponse response(ModelInferResponse r) {
    if (r == null) {
      throw malformed("no message");
    }
    try {
      return ProtoTensors.readResponse(r);
    } catch (ServingException e) {
      throw malformed(e.getMessage());
    } catch (RuntimeException e) {
      throw malformed(e.toString());
    }
  }

  private static ServingException malformed(String detail) {
    return ServingException.builder(ErrorCategory.INTERNAL)
        .providerId(KserveProvider.ID)
        .fromService()
        .message("malformed OIP gRPC inference response: " + Redactor.redact(detail))
        .build();
  }

  /** Shuts every channel down and waits (up to 5 s) for their calls to end. */
  @Override
  public void close() {
    closed = true;
    for (ManagedChannel c : channels.values()) {
      c.shutdownNow();
    }
    for (ManagedChannel c : channels.values()) {
      try {
        c.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    channels.clear();
  }
}
