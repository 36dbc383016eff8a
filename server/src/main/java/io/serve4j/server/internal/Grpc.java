package io.serve4j.server.internal;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import io.serve4j.TensorSpec;
import io.serve4j.server.grpc.GRPCInferenceServiceGrpc;
import io.serve4j.server.grpc.ModelInferRequest;
import io.serve4j.server.grpc.ModelInferResponse;
import io.serve4j.server.grpc.ModelMetadataRequest;
import io.serve4j.server.grpc.ModelMetadataResponse;
import io.serve4j.server.grpc.ModelReadyRequest;
import io.serve4j.server.grpc.ModelReadyResponse;
import io.serve4j.server.grpc.ProtoTensors;
import io.serve4j.server.grpc.ServerLiveRequest;
import io.serve4j.server.grpc.ServerLiveResponse;
import io.serve4j.server.grpc.ServerMetadataRequest;
import io.serve4j.server.grpc.ServerMetadataResponse;
import io.serve4j.server.grpc.ServerReadyRequest;
import io.serve4j.server.grpc.ServerReadyResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The gRPC transport: {@code inference.GRPCInferenceService} on grpc-netty-shaded. */
public final class Grpc {
  private final Server server;

  private Grpc(Server server) {
    this.server = server;
  }

  /**
   * Binds and starts.
   *
   * @param host address to bind
   * @param port port, 0 for any
   * @param maxRequestBytes largest message (RESOURCE_EXHAUSTED beyond it)
   * @param models the models
   * @param inflight the drain counter
   * @return the running transport
   * @throws ServingException UNAVAILABLE if the port cannot be bound
   */
  public static Grpc start(
      String host, int port, long maxRequestBytes, Models models, Inflight inflight) {
    Server s =
        NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
            .maxInboundMessageSize((int) maxRequestBytes)
            .addService(new Service(models, inflight))
            // Handlers never block on inference (Models hands it to its workers).
            .directExecutor()
            .build();
    try {
      s.start();
    } catch (IOException | RuntimeException e) {
      s.shutdownNow();
      throw ServingException.builder(ErrorCategory.UNAVAILABLE)
          .message("cannot serve gRPC on " + host + ":" + port + ": " + e.getMessage())
          .cause(e)
          .build();
    }
    return new Grpc(s);
  }

  /**
   * Returns the bound port.
   *
   * @return the port
   */
  public int port() {
    return server.getPort();
  }

  /** Refuses new calls; calls in flight continue. */
  public void stopAccepting() {
    server.shutdown();
  }

  /**
   * Waits for calls in flight, then stops.
   *
   * @param timeout the longest wait
   */
  public void stop(Duration timeout) {
    server.shutdown();
    try {
      if (!server.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  static Status status(ServingException e) {
    return Status.fromCode(Errors.grpcCode(e.category())).withDescription(Errors.message(e));
  }

  private static final class Service extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
    private final Models models;
    private final Inflight inflight;

    Service(Models models, Inflight inflight) {
      this.models = models;
      this.inflight = inflight;
    }

    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
      out.onNext(ServerLiveResponse.newBuilder().setLive(true).build());
      out.onCompleted();
    }

    @Override
    public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
      boolean ready = !inflight.draining() && models.allReady();
      out.onNext(ServerReadyResponse.newBuilder().setReady(ready).build());
      out.onCompleted();
    }

    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
      try {
        boolean ready =
            !inflight.draining() && models.ready(request.getName(), request.getVersion());
        out.onNext(ModelReadyResponse.newBuilder().setReady(ready).build());
        out.onCompleted();
      } catch (RuntimeException | Error e) {
        out.onError(status(Errors.typed(e)).asRuntimeException());
      }
    }

    @Override
    public void serverMetadata(
        ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
      out.onNext(
          ServerMetadataResponse.newBuilder()
              .setName("serve4j")
              .setVersion("0.1.0-SNAPSHOT")
              .build());
      out.onCompleted();
    }

    @Override
    public void modelMetadata(
        ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
      try {
        Models.Metadata m = models.metadata(request.getName(), request.getVersion());
        ModelMetadataResponse.Builder b =
            ModelMetadataResponse.newBuilder()
                .setName(m.name())
                .addAllVersions(m.versions())
                .setPlatform(m.platform());
        tensors(m.inputs(), b, true);
        tensors(m.outputs(), b, false);
        out.onNext(b.build());
        out.onCompleted();
      } catch (RuntimeException | Error e) {
        out.onError(status(Errors.typed(e)).asRuntimeException());
      }
    }

    private static void tensors(
        List<TensorSpec> specs, ModelMetadataResponse.Builder b, boolean in) {
      for (TensorSpec t : specs) {
        ModelMetadataResponse.TensorMetadata.Builder m =
            ModelMetadataResponse.TensorMetadata.newBuilder()
                .setName(t.name())
                .setDatatype(t.dataType().protocolName());
        for (long d : t.shape().toArray()) {
          m.addShape(d < 0 ? -1 : d);
        }
        if (in) {
          b.addInputs(m);
        } else {
          b.addOutputs(m);
        }
      }
    }

    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
      if (!inflight.tryEnter()) {
        out.onError(
            Status.UNAVAILABLE.withDescription("the server is shutting down").asRuntimeException());
        return;
      }
      try {
        models.require(request.getModelName(), request.getModelVersion());
        Deadline deadline = Context.current().getDeadline();
        Duration timeout = null;
        if (deadline != null) {
          long ms = deadline.timeRemaining(TimeUnit.MILLISECONDS);
          if (ms <= 0) {
            throw Errors.of(ErrorCategory.TIMEOUT, "the call's deadline passed before it ran");
          }
          timeout = Duration.ofMillis(ms);
        }
        models
            .infer(
                request.getModelName(),
                request.getModelVersion(),
                ProtoTensors.readRequest(request),
                timeout)
            .whenComplete(
                (r, t) -> {
                  try {
                    if (t != null) {
                      out.onError(status(Errors.typed(t)).asRuntimeException());
                    } else {
                      out.onNext(ProtoTensors.writeResponse(r));
                      out.onCompleted();
                    }
                  } catch (RuntimeException | Error e) {
                    out.onError(status(Errors.typed(e)).asRuntimeException());
                  } finally {
                    inflight.exit();
                  }
                });
      } catch (RuntimeException | Error e) {
        inflight.exit();
        out.onError(status(Errors.typed(e)).asRuntimeException());
      }
    }
  }
}
