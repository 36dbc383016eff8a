package io.serve4j.kserve.internal;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.serve4j.DataType;
import io.serve4j.DeploymentDescription;
import io.serve4j.EndpointDescription;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.ServingException;
import io.serve4j.Shape;
import io.serve4j.Tensor;
import io.serve4j.kserve.KserveProvider;
import io.serve4j.server.grpc.GRPCInferenceServiceGrpc;
import io.serve4j.server.grpc.InferParameter;
import io.serve4j.server.grpc.InferTensorContents;
import io.serve4j.server.grpc.ModelInferRequest;
import io.serve4j.server.grpc.ModelInferResponse;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.EndpointLifecycle;
import io.serve4j.spi.Inference;
import io.serve4j.spi.Redactor;
import java.math.BigInteger;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

  /** A throttling front's delay in seconds, as REST's Retry-After header. */
  static final Metadata.Key<String> RETRY_AFTER =
      Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER);

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
    CompletableFuture<EndpointDescription> known =
        endpoint != null
            ? CompletableFuture.completedFuture(endpoint)
            : lifecycle.describeEndpoint(name, ctx);
    return known.thenCompose(d -> send(name, d, request, ctx));
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

  private CompletableFuture<InferenceResponse> send(
      String name, EndpointDescription d, InferenceRequest request, CallContext ctx) {
    if (request.payload().isPresent()) {
      throw ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY)
          .providerId(KserveProvider.ID)
          .message("the KServe provider sends Open Inference Protocol tensors, not raw payloads")
          .build();
    }
    if (closed) {
      throw ServingException.builder(ErrorCategory.UNAVAILABLE)
          .providerId(KserveProvider.ID)
          .message("the KServe client is closed")
          .build();
    }
    String what = "predict on endpoint '" + name + "'";
    String model =
        d.deployments().stream().findFirst().map(DeploymentDescription::modelName).orElse(name);
    Target target = target(name, d, targetOverride);
    Duration left = ctx.deadline().remaining();
    if (left.isZero()) {
      throw ctx.deadline().timeoutError(what);
    }
    ModelInferRequest message = request(model, request);
    Metadata headers = new Metadata();
    headers.put(REQUEST_ID, ctx.requestId());
    ClientCall<ModelInferRequest, ModelInferResponse> call =
        io.grpc.ClientInterceptors.intercept(
                channel(target), io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers))
            .newCall(
                GRPCInferenceServiceGrpc.getModelInferMethod(),
                CallOptions.DEFAULT.withDeadlineAfter(left.toNanos(), TimeUnit.NANOSECONDS));
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
   * Writes a ModelInferRequest: every input as {@code raw_input_contents} (serve4j's tensor layout
   * is the protocol's raw layout: row-major, little-endian, BYTES elements length-prefixed).
   *
   * @param model the model name
   * @param r the request
   * @return the message
   */
  public static ModelInferRequest request(String model, InferenceRequest r) {
    ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName(model);
    r.id().ifPresent(b::setId);
    for (Map.Entry<String, Object> e : r.parameters().entrySet()) {
      b.putParameters(e.getKey(), parameter(e.getValue()));
    }
    for (Tensor t : r.inputs()) {
      ModelInferRequest.InferInputTensor.Builder in =
          ModelInferRequest.InferInputTensor.newBuilder()
              .setName(t.name())
              .setDatatype(t.dataType().protocolName());
      for (long dim : t.shape().toArray()) {
        in.addShape(dim);
      }
      b.addInputs(in);
      b.addRawInputContents(ByteString.copyFrom(t.buffer()));
    }
    for (String o : r.outputs()) {
      b.addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName(o));
    }
    return b.build();
  }

  private static InferParameter parameter(Object v) {
    InferParameter.Builder p = InferParameter.newBuilder();
    if (v instanceof Boolean bool) {
      p.setBoolParam(bool);
    } else if (v instanceof Long
        || v instanceof Integer
        || v instanceof Short
        || v instanceof Byte) {
      p.setInt64Param(((Number) v).longValue());
    } else if (v instanceof BigInteger big && big.bitLength() < 64) {
      p.setInt64Param(big.longValue());
    } else if (v instanceof Number n) {
      p.setDoubleParam(n.doubleValue());
    } else {
      p.setStringParam(String.valueOf(v));
    }
    return p.build();
  }

  /**
   * Reads a ModelInferResponse: {@code raw_output_contents}, or the typed {@code contents} of the
   * types a server may send them for (BOOL, INT32, INT64, FP32, FP64, BYTES).
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
      InferenceResponse.Builder b = InferenceResponse.builder();
      if (!r.getModelName().isEmpty()) {
        b.modelName(r.getModelName());
      }
      if (!r.getModelVersion().isEmpty()) {
        b.modelVersion(r.getModelVersion());
      }
      if (!r.getId().isEmpty()) {
        b.id(r.getId());
      }
      for (Map.Entry<String, InferParameter> e : r.getParametersMap().entrySet()) {
        InferParameter p = e.getValue();
        switch (p.getParameterChoiceCase()) {
          case BOOL_PARAM -> b.parameter(e.getKey(), p.getBoolParam());
          case INT64_PARAM -> b.parameter(e.getKey(), p.getInt64Param());
          case UINT64_PARAM -> b.parameter(e.getKey(), p.getUint64Param());
          case DOUBLE_PARAM -> b.parameter(e.getKey(), p.getDoubleParam());
          case STRING_PARAM -> b.parameter(e.getKey(), p.getStringParam());
          default -> {
            // a parameter without a value carries nothing
          }
        }
      }
      int raw = r.getRawOutputContentsCount();
      if (raw != 0 && raw != r.getOutputsCount()) {
        throw malformed(raw + " raw_output_contents for " + r.getOutputsCount() + " outputs");
      }
      for (int i = 0; i < r.getOutputsCount(); i++) {
        ModelInferResponse.InferOutputTensor o = r.getOutputs(i);
        DataType type = DataType.fromProtocolName(o.getDatatype());
        long[] dims = new long[o.getShapeCount()];
        for (int d = 0; d < dims.length; d++) {
          dims[d] = o.getShape(d);
        }
        b.output(
            raw != 0
                ? Tensor.wrap(
                    o.getName(),
                    type,
                    Shape.of(dims),
                    r.getRawOutputContents(i).asReadOnlyByteBuffer())
                : typed(o.getName(), type, dims, o.getContents()));
      }
      return b.build();
    } catch (ServingException e) {
      if (e.category() == ErrorCategory.INTERNAL && e.getMessage().contains("malformed")) {
        throw e;
      }
      throw malformed(e.getMessage());
    } catch (RuntimeException e) {
      throw malformed(e.toString());
    }
  }

  private static Tensor typed(String name, DataType type, long[] dims, InferTensorContents c) {
    switch (type) {
      case BOOL -> {
        boolean[] v = new boolean[c.getBoolContentsCount()];
        for (int i = 0; i < v.length; i++) {
          v[i] = c.getBoolContents(i);
        }
        return Tensor.ofBooleans(name, dims, v);
      }
      case INT32 -> {
        int[] v = new int[c.getIntContentsCount()];
        for (int i = 0; i < v.length; i++) {
          v[i] = c.getIntContents(i);
        }
        return Tensor.ofInts(name, dims, v);
      }
      case INT64 -> {
        long[] v = new long[c.getInt64ContentsCount()];
        for (int i = 0; i < v.length; i++) {
          v[i] = c.getInt64Contents(i);
        }
        return Tensor.ofLongs(name, dims, v);
      }
      case FP32 -> {
        float[] v = new float[c.getFp32ContentsCount()];
        for (int i = 0; i < v.length; i++) {
          v[i] = c.getFp32Contents(i);
        }
        return Tensor.ofFloats(name, dims, v);
      }
      case FP64 -> {
        double[] v = new double[c.getFp64ContentsCount()];
        for (int i = 0; i < v.length; i++) {
          v[i] = c.getFp64Contents(i);
        }
        return Tensor.ofDoubles(name, dims, v);
      }
      case BYTES -> {
        List<byte[]> v = new ArrayList<>(c.getBytesContentsCount());
        for (ByteString s : c.getBytesContentsList()) {
          v.add(s.toByteArray());
        }
        return Tensor.ofByteStrings(name, dims, v);
      }
      default ->
          throw malformed(
              "output '" + name + "' of " + type + " came as typed contents; expected raw");
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
