package io.serve4j.gcp.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.api.HttpBody;
import com.google.api.core.ApiFuture;
import com.google.api.core.ApiFutureCallback;
import com.google.api.core.ApiFutures;
import com.google.api.gax.grpc.GrpcCallContext;
import com.google.api.gax.longrunning.OperationFuture;
import com.google.api.gax.retrying.RetrySettings;
import com.google.api.gax.rpc.ApiCallContext;
import com.google.cloud.aiplatform.v1.AcceleratorType;
import com.google.cloud.aiplatform.v1.AutoscalingMetricSpec;
import com.google.cloud.aiplatform.v1.BatchDedicatedResources;
import com.google.cloud.aiplatform.v1.BatchPredictionJob;
import com.google.cloud.aiplatform.v1.BigQueryDestination;
import com.google.cloud.aiplatform.v1.BigQuerySource;
import com.google.cloud.aiplatform.v1.CancelBatchPredictionJobRequest;
import com.google.cloud.aiplatform.v1.CreateBatchPredictionJobRequest;
import com.google.cloud.aiplatform.v1.CreateEndpointRequest;
import com.google.cloud.aiplatform.v1.DedicatedResources;
import com.google.cloud.aiplatform.v1.DeleteEndpointRequest;
import com.google.cloud.aiplatform.v1.DeployModelRequest;
import com.google.cloud.aiplatform.v1.DeployedModel;
import com.google.cloud.aiplatform.v1.EnvVar;
import com.google.cloud.aiplatform.v1.GcsDestination;
import com.google.cloud.aiplatform.v1.GcsSource;
import com.google.cloud.aiplatform.v1.GetBatchPredictionJobRequest;
import com.google.cloud.aiplatform.v1.GetEndpointRequest;
import com.google.cloud.aiplatform.v1.GetModelRequest;
import com.google.cloud.aiplatform.v1.JobState;
import com.google.cloud.aiplatform.v1.ListBatchPredictionJobsRequest;
import com.google.cloud.aiplatform.v1.ListEndpointsRequest;
import com.google.cloud.aiplatform.v1.ListEndpointsResponse;
import com.google.cloud.aiplatform.v1.MachineSpec;
import com.google.cloud.aiplatform.v1.ModelContainerSpec;
import com.google.cloud.aiplatform.v1.MutateDeployedModelRequest;
import com.google.cloud.aiplatform.v1.Port;
import com.google.cloud.aiplatform.v1.PredictRequest;
import com.google.cloud.aiplatform.v1.PredictResponse;
import com.google.cloud.aiplatform.v1.RawPredictRequest;
import com.google.cloud.aiplatform.v1.UndeployModelRequest;
import com.google.cloud.aiplatform.v1.UpdateEndpointRequest;
import com.google.cloud.aiplatform.v1.UploadModelRequest;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import com.google.protobuf.FieldMask;
import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.serve4j.AcceleratorResolution;
import io.serve4j.BatchJobDescription;
import io.serve4j.BatchJobSpec;
import io.serve4j.BatchJobStatus;
import io.serve4j.BatchingPolicy;
import io.serve4j.DeploymentDescription;
import io.serve4j.DeploymentSpec;
import io.serve4j.DeviceKind;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.EndpointStatus;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Mirror;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.ModelSignature;
import io.serve4j.NotFoundException;
import io.serve4j.Payload;
import io.serve4j.Scaling;
import io.serve4j.ServingException;
import io.serve4j.Tensor;
import io.serve4j.TensorSpec;
import io.serve4j.gcp.GcpOptions;
import io.serve4j.gcp.GcpProvider;
import io.serve4j.protocol.OipJson;
import io.serve4j.spi.BatchJobs;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.EndpointLifecycle;
import io.serve4j.spi.Inference;
import io.serve4j.spi.Polling;
import io.serve4j.spi.ProviderContext;
import io.serve4j.spi.Wire;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The Vertex AI provider's hooks. Every call goes through the gapic clients' futures; long-running
 * operations are awaited with the caller's deadline and cancellation; all failures pass through
 * {@link GcpErrors}.
 *
 * <p>Naming: a serve4j endpoint {@code fraud} is the Vertex endpoint with id {@code fraud}
 * (lower-cased; {@code e-} in front of a leading digit) and display name {@code fraud}; each
 * serve4j deployment is a deployed model whose display name is the deployment name, so the traffic
 * split, keyed by deployed model ids on Vertex, maps back to deployment names from the endpoint
 * alone. The endpoint's description holds a small JSON {@link Manifest} with model names, versions
 * and signatures.
 */
public final class GcpClient implements EndpointLifecycle, Inference, BatchJobs, AutoCloseable {
  static final String MANAGED_LABEL = "serve4j-managed";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<io.serve4j.ScalingMetric, String> METRICS =
      Map.of(
          io.serve4j.ScalingMetric.CPU_UTILIZATION,
          "aiplatform.googleapis.com/prediction/online/cpu/utilization",
          io.serve4j.ScalingMetric.GPU_UTILIZATION,
          "aiplatform.googleapis.com/prediction/online/accelerator/duty_cycle",
          io.serve4j.ScalingMetric.INVOCATIONS_PER_INSTANCE,
          "aiplatform.googleapis.com/prediction/online/request_count");

  private final GcpOptions options;
  private final ProviderContext context;
  private final VertexClients vertex;
  private final Staging staging;
  private final ExecutorService stagingPool;
  private final String parent;

  private GcpClient(GcpOptions options, ProviderContext context, VertexClients vertex) {
    this.options = options;
    this.context = context;
    this.vertex = vertex;
    this.staging = new Staging(options);
    AtomicInteger n = new AtomicInteger();
    this.stagingPool =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "serve4j-gcp-staging-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.parent = "projects/" + options.project() + "/locations/" + options.location();
  }

  /**
   * Opens the clients.
   *
   * @param options the options
   * @param context core's facilities
   * @return the provider client
   */
  public static GcpClient open(GcpOptions options, ProviderContext context) {
    return new GcpClient(options, context, VertexClients.create(options));
  }

  // ---------------------------------------------------------------- endpoints

  @Override
  public CompletableFuture<EndpointDescription> createEndpoint(EndpointSpec spec, CallContext ctx) {
    return GcpErrors.WIRE.call(
        "createEndpoint",
        () -> {
          String protocol = protocolOf(spec);
          Map<String, DeployedModel.Builder> planned = plan(spec, ctx);
          Manifest manifest = Manifest.of(spec, protocol);
          String resource = endpointName(spec.name());
          CreateEndpointRequest.Builder req =
              CreateEndpointRequest.newBuilder()
                  .setParent(parent)
                  .setEndpointId(endpointId(spec.name()))
                  .setEndpoint(
                      com.google.cloud.aiplatform.v1.Endpoint.newBuilder()
                          .setDisplayName(spec.name())
                          .setDescription(manifest.toJson())
                          .putAllLabels(labels(spec.tags()))
                          .putLabels(MANAGED_LABEL, "true")
                          .setNetwork(options.network().orElse("")));
          ctx.progress("creating Vertex AI endpoint " + resource, -1);
          return lro(
                  vertex.endpoints.createEndpointOperationCallable().futureCall(req.build()),
                  ctx,
                  "create endpoint " + spec.name())
              .thenCompose(
                  created -> deployAll(resource, planned, List.of(), ctx, spec.deployments()))
              .thenCompose(ids -> setTraffic(resource, spec.traffic(), ids, manifest, ctx))
              .thenApply(this::describe);
        });
  }

  @Override
  public CompletableFuture<EndpointDescription> updateEndpoint(EndpointSpec spec, CallContext ctx) {
    return GcpErrors.WIRE.call(
        "updateEndpoint",
        () -> {
          String protocol = protocolOf(spec);
          Map<String, DeployedModel.Builder> planned = plan(spec, ctx);
          Manifest manifest = Manifest.of(spec, protocol);
          String resource = endpointName(spec.name());
          return getEndpoint(resource, ctx)
              .thenCompose(
                  current -> {
                    Manifest old = Manifest.parse(current.getDescription()).orElse(null);
                    Map<String, DeployedModel> byName = byDisplayName(current);
                    List<DeployedModel> toUndeploy = new ArrayList<>();
                    Map<String, DeployedModel.Builder> toDeploy = new LinkedHashMap<>();
                    List<DeployedModel> toMutate = new ArrayList<>();
                    Map<String, String> keep = new LinkedHashMap<>();
                    for (DeploymentSpec d : spec.deployments()) {
                      DeployedModel existing = byName.get(d.name());
                      String oldPrint =
                          old == null || !old.deployments().containsKey(d.name())
                              ? null
                              : old.deployments().get(d.name()).fingerprint();
                      if (existing == null) {
                        toDeploy.put(d.name(), planned.get(d.name()));
                      } else if (!Manifest.fingerprint(d).equals(oldPrint)) {
                        toDeploy.put(d.name(), planned.get(d.name()));
                        toUndeploy.add(existing);
                      } else {
                        keep.put(d.name(), existing.getId());
                        DedicatedResources want = planned.get(d.name()).getDedicatedResources();
                        DedicatedResources have = existing.getDedicatedResources();
                        if (want.getMinReplicaCount() != have.getMinReplicaCount()
                            || want.getMaxReplicaCount() != have.getMaxReplicaCount()
                            || !want.getAutoscalingMetricSpecsList()
                                .equals(have.getAutoscalingMetricSpecsList())) {
                          toMutate.add(
                              existing.toBuilder()
                                  .setDedicatedResources(
                                      have.toBuilder()
                                          .setMinReplicaCount(want.getMinReplicaCount())
                                          .setMaxReplicaCount(want.getMaxReplicaCount())
                                          .clearAutoscalingMetricSpecs()
                                          .addAllAutoscalingMetricSpecs(
                                              want.getAutoscalingMetricSpecsList()))
                                  .build());
                        }
                      }
                    }
                    for (DeployedModel m : current.getDeployedModelsList()) {
                      if (spec.deployment(m.getDisplayName()).isEmpty()) {
                        toUndeploy.add(m);
                      }
                    }
                    List<DeploymentSpec> newOnes =
                        spec.deployments().stream()
                            .filter(d -> toDeploy.containsKey(d.name()))
                            .toList();

                    return deployAll(
                            resource, toDeploy, current.getDeployedModelsList(), ctx, newOnes)
                        .thenCompose(
                            ids -> {
                              Map<String, String> all = new LinkedHashMap<>(keep);
                              all.putAll(ids);
                              return setTraffic(resource, spec.traffic(), all, manifest, ctx);
                            })
                        .thenCompose(
                            e ->
                                sequence(
                                    toUndeploy, m -> undeploy(resource, m.getId(), null, ctx), ctx))
                        .thenCompose(
                            v ->
                                sequence(
                                    toMutate,
                                    m ->
                                        lro(
                                            vertex
                                                .endpoints
                                                .mutateDeployedModelOperationCallable()
                                                .futureCall(
                                                    MutateDeployedModelRequest.newBuilder()
                                                        .setEndpoint(resource)
                                                        .setDeployedModel(m)
                                                        .setUpdateMask(
                                                            FieldMask.newBuilder()
                                                                .addPaths(
                                                                    "dedicated_resources.min_replica_count")
                                                                .addPaths(
                                                                    "dedicated_resources.max_replica_count")
                                                                .addPaths(
                                                                    "dedicated_resources.autoscaling_metric_specs"))
                                                        .build()),
                                            ctx,
                                            "update deployment " + m.getDisplayName()),
                                    ctx))
                        .thenCompose(v -> getEndpoint(resource, ctx))
                        .thenApply(this::describe);
                  });
        });
  }

  @Override
  public CompletableFuture<EndpointDescription> updateTraffic(
      String endpoint, Map<String, Integer> traffic, Mirror mirror, CallContext ctx) {
    return GcpErrors.WIRE.call(
        "updateTraffic",
        () -> {
          if (mirror != null) {
            throw ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY)
                .providerId(GcpProvider.ID)
                .message("Vertex AI has no shadow traffic (SHADOW)")
                .build();
          }
          String resource = endpointName(endpoint);
          return getEndpoint(resource, ctx)
              .thenCompose(
                  current -> {
                    Map<String, String> ids = new LinkedHashMap<>();
                    byDisplayName(current).forEach((n, m) -> ids.put(n, m.getId()));
                    return setTraffic(resource, traffic, ids, null, ctx);
                  })
              .thenApply(this::describe);
        });
  }

  @Override
  public CompletableFuture<Void> deleteEndpoint(String endpoint, CallContext ctx) {
    return GcpErrors.WIRE.call(
        "deleteEndpoint",
        () -> {
          String resource = endpointName(endpoint);
          return getEndpoint(resource, ctx)
              .thenCompose(
                  current -> {
                    CompletableFuture<?> drained =
                        current.getDeployedModelsCount() == 0
                            ? CompletableFuture.completedFuture(null)
                            : unary(
                                    vertex
                                        .endpoints
                                        .updateEndpointCallable()
                                        .futureCall(
                                            UpdateEndpointRequest.newBuilder()
                                                .setEndpoint(
                                                    current.toBuilder().clearTrafficSplit())
                                                .setUpdateMask(
                                                    FieldMask.newBuilder()
                                                        .addPaths("traffic_split"))
                                                .build(),
                                            callContext(ctx)))
                                .thenCompose(
                                    e ->
                                        sequence(
                                            current.getDeployedModelsList(),
                                            m -> undeploy(resource, m.getId(), null, ctx),
                                            ctx));
                    return drained.thenCompose(
                        v ->
                            lro(
                                vertex
                                    .endpoints
                                    .deleteEndpointOperationCallable()
                                    .futureCall(
                                        DeleteEndpointRequest.newBuilder()
                                            .setName(resource)
                                            .build()),
                                ctx,
                                "delete endpoint " + endpoint));
                  })
              .thenApply(empty -> (Void) null);
        });
  }

  @Override
  public CompletableFuture<EndpointDescription> describeEndpoint(String endpoint, CallContext ctx) {
    return GcpErrors.WIRE.call(
        "describeEndpoint",
        () -> getEndpoint(endpointName(endpoint), ctx).thenApply(this::describe));
  }

  @Override
  public CompletableFuture<List<EndpointDescription>> listEndpoints(CallContext ctx) {
    return GcpErrors.WIRE.call("listEndpoints", () -> listPage("", new ArrayList<>(), ctx));
  }

  private CompletableFuture<List<EndpointDescription>> listPage(
      String token, List<EndpointDescription> acc, CallContext ctx) {
    return unary(
            vertex
                .endpoints
                .listEndpointsCallable()
                .futureCall(
                    ListEndpointsRequest.newBuilder().setParent(parent).setPageToken(token).build(),
                    callContext(ctx)))
        .thenCompose(
            (ListEndpointsResponse r) -> {
              r.getEndpointsList().forEach(e -> acc.add(describe(e)));
              return r.getNextPageToken().isEmpty()
                  ? CompletableFuture.completedFuture(List.copyOf(acc))
                  : listPage(r.getNextPageToken(), acc, ctx);
            });
  }

  // ---------------------------------------------------------------- predict

  @Override
  public CompletableFuture<InferenceResponse> predict(
      String endpoint, EndpointDescription known, InferenceRequest request, CallContext ctx) {
    return GcpErrors.WIRE.call(
        "predict",
        () -> {
          if (request.targetDeployment().isPresent()) {
            throw ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY)
                .providerId(GcpProvider.ID)
                .message(
                    "Vertex AI routes predictions by the endpoint's traffic split; it cannot pin"
                        + " a request to deployment '"
                        + request.targetDeployment().get()
                        + "'")
                .build();
          }
          String resource = endpointName(endpoint);
          // Core hands over its cached description; only if core could not describe is it read.
          CompletableFuture<EndpointDescription> described =
              known != null
                  ? CompletableFuture.completedFuture(known)
                  : getEndpoint(resource, ctx).thenApply(this::describe);
          return described.thenCompose(d -> send(resource, d, request, ctx));
        });
  }

  private CompletableFuture<InferenceResponse> send(
      String resource, EndpointDescription endpoint, InferenceRequest request, CallContext ctx) {
    if (request.payload().isPresent()) {
      Payload p = request.payload().get();
      return rawPredict(resource, p.bytes(), p.contentType(), ctx)
          .thenApply(
              body ->
                  InferenceResponse.builder()
                      .id(request.id().orElse(null))
                      .payload(
                          Payload.of(
                              body.getData().toByteArray(),
                              body.getContentType().isEmpty()
                                  ? "application/octet-stream"
                                  : body.getContentType()))
                      .build());
    }
    if (Manifest.PREDICT.equals(endpoint.details().get("protocol"))) {
      return predictInstances(resource, endpoint, request, ctx);
    }
    return rawPredict(resource, OipJson.writeRequest(request), "application/json", ctx)
        .thenApply(
            body -> {
              InferenceResponse r = OipJson.readResponse(body.getData().toByteArray());
              if (!request.outputs().isEmpty()) {
                r =
                    r.toBuilder()
                        .outputs(
                            r.outputs().stream()
                                .filter(t -> request.outputs().contains(t.name()))
                                .toList())
                        .build();
              }
              return r.id().isEmpty() && request.id().isPresent()
                  ? r.toBuilder().id(request.id().get()).build()
                  : r;
            });
  }

  private CompletableFuture<HttpBody> rawPredict(
      String resource, byte[] body, String contentType, CallContext ctx) {
    return unary(
        vertex
            .predictions
            .rawPredictCallable()
            .futureCall(
                RawPredictRequest.newBuilder()
                    .setEndpoint(resource)
                    .setHttpBody(
                        HttpBody.newBuilder()
                            .setContentType(contentType)
                            .setData(ByteString.copyFrom(body)))
                    .build(),
                callContext(ctx)));
  }

  private CompletableFuture<InferenceResponse> predictInstances(
      String resource, EndpointDescription endpoint, InferenceRequest request, CallContext ctx) {
    PredictRequest.Builder req = PredictRequest.newBuilder().setEndpoint(resource);
    List<Tensor> inputs = request.inputs();
    long rows = inputs.get(0).shape().rank() == 0 ? 1 : inputs.get(0).shape().dim(0);
    List<JsonNode> flat = new ArrayList<>();
    for (Tensor t : inputs) {
      flat.add(OipJson.tensor(t).path("data"));
    }
    for (int r = 0; r < rows; r++) {
      if (inputs.size() == 1) {
        req.addInstances(toValue(row(inputs.get(0), flat.get(0), r)));
      } else {
        Struct.Builder s = Struct.newBuilder();
        for (int i = 0; i < inputs.size(); i++) {
          s.putFields(inputs.get(i).name(), toValue(row(inputs.get(i), flat.get(i), r)));
        }
        req.addInstances(Value.newBuilder().setStructValue(s));
      }
    }
    if (!request.parameters().isEmpty()) {
      req.setParameters(toValue(JSON.valueToTree(request.parameters())));
    }
    TensorSpec out =
        endpoint.deployments().stream()
            .flatMap(d -> d.signature().stream())
            .flatMap(s -> s.outputs().stream())
            .findFirst()
            .orElse(null);
    return unary(vertex.predictions.predictCallable().futureCall(req.build(), callContext(ctx)))
        .thenApply((PredictResponse r) -> fromPredictions(r, out, request));
  }

  private static JsonNode row(Tensor t, JsonNode flat, int r) {
    long[] dims = t.shape().toArray();
    if (dims.length <= 1) {
      return flat.get(r);
    }
    long per = 1;
    for (int i = 1; i < dims.length; i++) {
      per *= dims[i];
    }
    int[] index = {(int) (r * per)};
    return nest(flat, dims, 1, index);
  }

  private static JsonNode nest(JsonNode flat, long[] dims, int axis, int[] index) {
    ArrayNode a = JSON.createArrayNode();
    for (long i = 0; i < dims[axis]; i++) {
      if (axis == dims.length - 1) {
        a.add(flat.get(index[0]++));
      } else {
        a.add(nest(flat, dims, axis + 1, index));
      }
    }
    return a;
  }

  private static InferenceResponse fromPredictions(
      PredictResponse r, TensorSpec out, InferenceRequest request) {
    ArrayNode data = JSON.createArrayNode();
    List<Long> shape = new ArrayList<>();
    shape.add((long) r.getPredictionsCount());
    boolean first = true;
    boolean strings = false;
    for (Value v : r.getPredictionsList()) {
      List<Long> inner = new ArrayList<>();
      strings |= flatten(v, data, inner, 0);
      if (first) {
        shape.addAll(inner);
        first = false;
      }
    }
    ObjectNode t = JSON.createObjectNode();
    t.put("name", out != null ? out.name() : "predictions");
    t.put("datatype", strings ? "BYTES" : out != null ? out.dataType().protocolName() : "FP32");
    ArrayNode s = t.putArray("shape");
    shape.forEach(s::add);
    t.set("data", data);
    InferenceResponse.Builder b =
        InferenceResponse.builder()
            .output(OipJson.readTensor(t))
            .deployment(r.getDeployedModelId().isEmpty() ? null : r.getDeployedModelId())
            .modelVersion(r.getModelVersionId().isEmpty() ? null : r.getModelVersionId())
            .modelName(r.getModelDisplayName().isEmpty() ? null : r.getModelDisplayName());
    request.id().ifPresent(b::id);
    return b.build();
  }

  /** Appends the leaves of a prediction; returns true if any is a string. */
  private static boolean flatten(Value v, ArrayNode out, List<Long> shape, int depth) {
    switch (v.getKindCase()) {
      case LIST_VALUE -> {
        if (shape.size() == depth) {
          shape.add((long) v.getListValue().getValuesCount());
        }
        boolean s = false;
        for (Value x : v.getListValue().getValuesList()) {
          s |= flatten(x, out, shape, depth + 1);
        }
        return s;
      }
      case NUMBER_VALUE -> out.add(v.getNumberValue());
      case BOOL_VALUE -> out.add(v.getBoolValue() ? 1 : 0);
      case STRING_VALUE -> {
        out.add(v.getStringValue());
        return true;
      }
      default -> out.add(v.toString());
    }
    return false;
  }

  private static Value toValue(JsonNode n) {
    Value.Builder v = Value.newBuilder();
    if (n == null || n.isNull()) {
      return v.setNullValue(NullValue.NULL_VALUE).build();
    }
    if (n.isNumber()) {
      return v.setNumberValue(n.asDouble()).build();
    }
    if (n.isBoolean()) {
      return v.setBoolValue(n.asBoolean()).build();
    }
    if (n.isTextual()) {
      return v.setStringValue(n.asText()).build();
    }
    if (n.isArray()) {
      ListValue.Builder l = ListValue.newBuilder();
      n.forEach(x -> l.addValues(toValue(x)));
      return v.setListValue(l).build();
    }
    Struct.Builder s = Struct.newBuilder();
    n.properties().forEach(f -> s.putFields(f.getKey(), toValue(f.getValue())));
    return v.setStructValue(s).build();
  }

  // ---------------------------------------------------------------- batch jobs

  @Override
  public CompletableFuture<BatchJobDescription> runBatchJob(BatchJobSpec spec, CallContext ctx) {
    return GcpErrors.WIRE.call(
        "runBatchJob",
        () -> {
          AcceleratorResolution hw = resolve(spec.accelerator(), "batch job " + spec.name());
          BatchPredictionJob.InputConfig input = batchInput(spec);
          BatchPredictionJob.OutputConfig output = batchOutput(spec);
          DeploymentSpec asDeployment =
              DeploymentSpec.builder()
                  .name("batch")
                  .model(spec.model())
                  .accelerator(spec.accelerator())
                  .build();
          return ensureModel(asDeployment, ctx)
              .thenCompose(
                  modelRef -> {
                    BatchPredictionJob.Builder job =
                        BatchPredictionJob.newBuilder()
                            .setDisplayName(spec.name())
                            .setModel(modelRef)
                            .setInputConfig(input)
                            .setOutputConfig(output)
                            .putLabels(MANAGED_LABEL, "true")
                            .setDedicatedResources(
                                BatchDedicatedResources.newBuilder()
                                    .setMachineSpec(machineSpec(hw, spec.accelerator().kind()))
                                    .setStartingReplicaCount(spec.instances())
                                    .setMaxReplicaCount(spec.instances()));
                    options.serviceAccount().ifPresent(job::setServiceAccount);
                    ctx.progress("submitting batch prediction job " + spec.name(), -1);
                    return unary(
                        vertex
                            .jobs
                            .createBatchPredictionJobCallable()
                            .futureCall(
                                CreateBatchPredictionJobRequest.newBuilder()
                                    .setParent(parent)
                                    .setBatchPredictionJob(job)
                                    .build(),
                                callContext(ctx)));
                  })
              .thenCompose(created -> awaitJob(created.getName(), ctx))
              .thenApply(GcpClient::describeJob);
        });
  }

  private CompletableFuture<BatchPredictionJob> awaitJob(String name, CallContext ctx) {
    CompletableFuture<BatchPredictionJob> wait =
        Polling.until(
            () ->
                unary(
                    vertex
                        .jobs
                        .getBatchPredictionJobCallable()
                        .futureCall(
                            GetBatchPredictionJobRequest.newBuilder().setName(name).build(),
                            callContext(ctx))),
            j -> describeJob(j).status().isTerminal(),
            j -> "batch prediction job " + name + " is " + j.getState(),
            options.pollInterval(),
            ctx,
            context.scheduler());
    wait.whenComplete(
        (j, e) -> {
          // The caller cancelled (not a deadline): stop the remote job too.
          if (e != null
              && Wire.unwrap(e) instanceof CancellationException
              && !ctx.deadline().isExpired()) {
            vertex
                .jobs
                .cancelBatchPredictionJobCallable()
                .futureCall(CancelBatchPredictionJobRequest.newBuilder().setName(name).build());
          }
        });
    return wait;
  }

  @Override
  public CompletableFuture<BatchJobDescription> describeBatchJob(String name, CallContext ctx) {
    return GcpErrors.WIRE.call(
        "describeBatchJob",
        () ->
            unary(
                    vertex
                        .jobs
                        .listBatchPredictionJobsCallable()
                        .futureCall(
                            ListBatchPredictionJobsRequest.newBuilder()
                                .setParent(parent)
                                .setFilter("display_name=\"" + name.replace("\"", "") + "\"")
                                .build(),
                            callContext(ctx)))
                .thenApply(
                    r ->
                        r.getBatchPredictionJobsList().stream()
                            .filter(j -> j.getDisplayName().equals(name))
                            .max(
                                Comparator.comparingLong(
                                    (BatchPredictionJob j) -> j.getCreateTime().getSeconds()))
                            .map(GcpClient::describeJob)
                            .orElseThrow(
                                () ->
                                    ServingException.builder(ErrorCategory.NOT_FOUND)
                                        .fromService()
                                        .providerId(GcpProvider.ID)
                                        .message("no batch prediction job named '" + name + "'")
                                        .build())));
  }

  static BatchJobDescription describeJob(BatchPredictionJob j) {
    BatchJobStatus status =
        switch (j.getState()) {
          case JOB_STATE_SUCCEEDED, JOB_STATE_PARTIALLY_SUCCEEDED -> BatchJobStatus.SUCCEEDED;
          case JOB_STATE_FAILED, JOB_STATE_EXPIRED -> BatchJobStatus.FAILED;
          case JOB_STATE_CANCELLED -> BatchJobStatus.CANCELLED;
          case JOB_STATE_RUNNING, JOB_STATE_CANCELLING, JOB_STATE_UPDATING, JOB_STATE_PAUSED ->
              BatchJobStatus.RUNNING;
          default -> BatchJobStatus.PENDING;
        };
    URI output = null;
    if (!j.getOutputInfo().getGcsOutputDirectory().isEmpty()) {
      output = URI.create(j.getOutputInfo().getGcsOutputDirectory());
    } else if (!j.getOutputInfo().getBigqueryOutputDataset().isEmpty()) {
      output = URI.create(j.getOutputInfo().getBigqueryOutputDataset());
    } else if (j.getOutputConfig().hasGcsDestination()) {
      output = URI.create(j.getOutputConfig().getGcsDestination().getOutputUriPrefix());
    } else if (j.getOutputConfig().hasBigqueryDestination()) {
      output = URI.create(j.getOutputConfig().getBigqueryDestination().getOutputUri());
    }
    Map<String, String> details = new LinkedHashMap<>();
    details.put("resourceName", j.getName());
    details.put("state", j.getState().name());
    details.put("model", j.getModel());
    if (j.getState() == JobState.JOB_STATE_PARTIALLY_SUCCEEDED) {
      details.put("partialFailures", String.valueOf(j.getPartialFailuresCount()));
    }
    String failure =
        status == BatchJobStatus.FAILED
            ? (j.hasError() ? j.getError().getMessage() : j.getState().name())
            : null;
    return new BatchJobDescription(j.getDisplayName(), status, output, failure, details);
  }

  private static BatchPredictionJob.InputConfig batchInput(BatchJobSpec spec) {
    URI in = spec.input();
    BatchPredictionJob.InputConfig.Builder b = BatchPredictionJob.InputConfig.newBuilder();
    if ("bq".equals(in.getScheme())) {
      return b.setInstancesFormat("bigquery")
          .setBigquerySource(BigQuerySource.newBuilder().setInputUri(in.toString()))
          .build();
    }
    if (!"gs".equals(in.getScheme())) {
      throw invalid(
          "Vertex AI batch prediction reads gs:// files or bq://PROJECT.DATASET.TABLE, not " + in);
    }
    String format =
        switch (spec.contentType().toLowerCase(Locale.ROOT)) {
          case "application/jsonlines", "application/jsonl", "application/json" -> "jsonl";
          case "text/csv" -> "csv";
          case "application/x-tfrecord" -> "tf-record";
          case "text/plain" -> "file-list";
          default ->
              throw invalid(
                  "Vertex AI batch prediction reads jsonl, csv, tf-record or file-list input, not "
                      + spec.contentType());
        };
    return b.setInstancesFormat(format)
        .setGcsSource(GcsSource.newBuilder().addUris(in.toString()))
        .build();
  }

  private static BatchPredictionJob.OutputConfig batchOutput(BatchJobSpec spec) {
    URI out = spec.output();
    BatchPredictionJob.OutputConfig.Builder b = BatchPredictionJob.OutputConfig.newBuilder();
    if ("bq".equals(out.getScheme())) {
      return b.setPredictionsFormat("bigquery")
          .setBigqueryDestination(BigQueryDestination.newBuilder().setOutputUri(out.toString()))
          .build();
    }
    if (!"gs".equals(out.getScheme())) {
      throw invalid("Vertex AI batch prediction writes to gs:// or bq://PROJECT, not " + out);
    }
    return b.setPredictionsFormat("jsonl")
        .setGcsDestination(GcsDestination.newBuilder().setOutputUriPrefix(out.toString()))
        .build();
  }

  @Override
  public void close() {
    try {
      vertex.close();
    } finally {
      staging.close();
      stagingPool.shutdownNow();
    }
  }

  // ---------------------------------------------------------------- deploy helpers

  /** Resolves hardware and scaling of every deployment before anything is sent. */
  private Map<String, DeployedModel.Builder> plan(EndpointSpec spec, CallContext ctx) {
    Map<String, DeployedModel.Builder> out = new LinkedHashMap<>();
    for (DeploymentSpec d : spec.deployments()) {
      String what = "deployment '" + d.name() + "'";
      AcceleratorResolution hw = resolve(d.accelerator(), what);
      Scaling s = d.scaling();
      if (s.minInstances() < 1) {
        throw invalid(
            what + ": Vertex AI keeps at least one replica; minimum instances must be >= 1");
      }
      if (d.batching().isPresent() && d.model().format() != ModelFormat.ONNX) {
        throw invalid(
            what
                + ": dynamic batching is set in Triton's config.pbtxt, so only ONNX models have"
                + " it on Vertex AI");
      }
      DedicatedResources.Builder r =
          DedicatedResources.newBuilder()
              .setMachineSpec(machineSpec(hw, d.accelerator().kind()))
              .setMinReplicaCount(s.minInstances())
              .setMaxReplicaCount(s.maxInstances());
      s.metric()
          .ifPresent(
              m ->
                  r.addAutoscalingMetricSpecs(
                      AutoscalingMetricSpec.newBuilder()
                          .setMetricName(METRICS.get(m))
                          .setTarget((int) Math.max(1, Math.round(s.target())))));
      DeployedModel.Builder dm =
          DeployedModel.newBuilder().setDisplayName(d.name()).setDedicatedResources(r);
      options.serviceAccount().ifPresent(dm::setServiceAccount);
      out.put(d.name(), dm);
    }
    return out;
  }

  private static AcceleratorResolution resolve(io.serve4j.Accelerator a, String what) {
    try {
      return GcpOfferings.resolve(a);
    } catch (ServingException e) {
      throw e.toBuilder().message(what + ": " + e.getMessage()).build();
    }
  }

  private static MachineSpec machineSpec(AcceleratorResolution hw, DeviceKind kind) {
    MachineSpec.Builder m = MachineSpec.newBuilder().setMachineType(hw.sku());
    // TPU machine types (ct5lp-hightpu-*) carry their chips; GPUs are attached by type and count.
    if (kind == DeviceKind.GPU && hw.acceleratorType().isPresent()) {
      AcceleratorType type;
      try {
        type = AcceleratorType.valueOf(hw.acceleratorType().get());
      } catch (IllegalArgumentException e) {
        throw ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY)
            .providerId(GcpProvider.ID)
            .message(
                "this Vertex AI client does not know accelerator type "
                    + hw.acceleratorType().get())
            .build();
      }
      m.setAcceleratorType(type).setAcceleratorCount(hw.acceleratorCount());
    }
    return m.build();
  }

  /** Deploys one after the other (Vertex AI runs one deploy per endpoint at a time). */
  private CompletableFuture<Map<String, String>> deployAll(
      String resource,
      Map<String, DeployedModel.Builder> planned,
      List<DeployedModel> existing,
      CallContext ctx,
      List<DeploymentSpec> which) {
    Map<String, String> ids = new LinkedHashMap<>();
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    boolean[] first = {existing.isEmpty()};
    for (DeploymentSpec d : which) {
      chain =
          chain.thenCompose(
              v ->
                  ensureModel(d, ctx)
                      .thenCompose(
                          modelRef -> {
                            DeployModelRequest.Builder req =
                                DeployModelRequest.newBuilder()
                                    .setEndpoint(resource)
                                    .setDeployedModel(
                                        planned.get(d.name()).clone().setModel(modelRef));
                            if (first[0]) {
                              req.putTrafficSplit("0", 100); // the first model takes the traffic
                              first[0] = false;
                            }
                            ctx.progress("deploying " + d.name() + " to " + resource, -1);
                            return lro(
                                vertex
                                    .endpoints
                                    .deployModelOperationCallable()
                                    .futureCall(req.build()),
                                ctx,
                                "deploy " + d.name());
                          })
                      .thenAccept(r -> ids.put(d.name(), r.getDeployedModel().getId())));
    }
    return chain.thenApply(v -> ids);
  }

  private CompletableFuture<com.google.cloud.aiplatform.v1.Endpoint> setTraffic(
      String resource,
      Map<String, Integer> traffic,
      Map<String, String> ids,
      Manifest manifest,
      CallContext ctx) {
    com.google.cloud.aiplatform.v1.Endpoint.Builder e =
        com.google.cloud.aiplatform.v1.Endpoint.newBuilder().setName(resource);
    FieldMask.Builder mask = FieldMask.newBuilder().addPaths("traffic_split");
    for (Map.Entry<String, Integer> t : traffic.entrySet()) {
      String id = ids.get(t.getKey());
      if (id == null) {
        throw invalid("deployment '" + t.getKey() + "' is not deployed on " + resource);
      }
      if (t.getValue() > 0) {
        e.putTrafficSplit(id, t.getValue());
      }
    }
    if (manifest != null) {
      e.setDescription(manifest.toJson());
      mask.addPaths("description");
    }
    return unary(
        vertex
            .endpoints
            .updateEndpointCallable()
            .futureCall(
                UpdateEndpointRequest.newBuilder().setEndpoint(e).setUpdateMask(mask).build(),
                callContext(ctx)));
  }

  private CompletableFuture<Object> undeploy(
      String resource, String deployedModelId, Map<String, Integer> traffic, CallContext ctx) {
    UndeployModelRequest.Builder req =
        UndeployModelRequest.newBuilder().setEndpoint(resource).setDeployedModelId(deployedModelId);
    if (traffic != null) {
      req.putAllTrafficSplit(traffic);
    }
    return lro(
            vertex.endpoints.undeployModelOperationCallable().futureCall(req.build()),
            ctx,
            "undeploy " + deployedModelId)
        .thenApply(r -> r);
  }

  /**
   * Makes sure the model version exists in the Model Registry: {@code MODEL_ID@ALIAS} is looked up,
   * and uploaded (as a new version of {@code MODEL_ID} when that model exists) if missing.
   *
   * @return the model resource name with its version, {@code .../models/ID@VERSION}
   */
  private CompletableFuture<String> ensureModel(DeploymentSpec d, CallContext ctx) {
    Model model = d.model();
    String id = modelId(model.name());
    String alias = versionAlias(model, d.batching().orElse(null));
    String base = parent + "/models/" + id;
    return unary(
            vertex
                .models
                .getModelCallable()
                .futureCall(
                    GetModelRequest.newBuilder().setName(base + "@" + alias).build(),
                    callContext(ctx)))
        .thenApply(m -> Optional.of(base + "@" + m.getVersionId()))
        .exceptionally(
            e -> {
              if (GcpErrors.map(e, ctx.requestId()) instanceof NotFoundException) {
                return Optional.empty();
              }
              throw new java.util.concurrent.CompletionException(e);
            })
        .thenCompose(
            found ->
                found.isPresent()
                    ? CompletableFuture.completedFuture(found.get())
                    : upload(d, id, alias, base, ctx));
  }

  private CompletableFuture<String> upload(
      DeploymentSpec d, String id, String alias, String base, CallContext ctx) {
    Model model = d.model();
    CompletableFuture<Boolean> baseExists =
        unary(
                vertex
                    .models
                    .getModelCallable()
                    .futureCall(
                        GetModelRequest.newBuilder().setName(base).build(), callContext(ctx)))
            .thenApply(m -> true)
            .exceptionally(
                e -> {
                  if (GcpErrors.map(e, ctx.requestId()) instanceof NotFoundException) {
                    return false;
                  }
                  throw new java.util.concurrent.CompletionException(e);
                });
    String tritonName = model.name();
    return baseExists.thenCompose(
        exists -> {
          ctx.progress("staging model " + model.name() + ":" + model.version(), -1);
          return CompletableFuture.supplyAsync(
                  () ->
                      staging.stage(model, id + "/" + alias, tritonName, d.batching().orElse(null)),
                  stagingPool)
              .thenCompose(
                  artifactUri -> {
                    com.google.cloud.aiplatform.v1.Model.Builder m =
                        com.google.cloud.aiplatform.v1.Model.newBuilder()
                            .setDisplayName(model.name())
                            .addVersionAliases(alias)
                            .putAllLabels(labels(model.tags()))
                            .putLabels(MANAGED_LABEL, "true")
                            .putLabels("serve4j-version", label(model.version()))
                            .setContainerSpec(containerSpec(model, d, tritonName));
                    if (artifactUri != null) {
                      m.setArtifactUri(artifactUri);
                    }
                    UploadModelRequest.Builder req =
                        UploadModelRequest.newBuilder().setParent(parent).setModel(m);
                    if (exists) {
                      req.setParentModel(base);
                    } else {
                      req.setModelId(id);
                    }
                    ctx.progress("uploading model " + model.name() + " to Vertex AI", -1);
                    return lro(
                        vertex.models.uploadModelOperationCallable().futureCall(req.build()),
                        ctx,
                        "upload model " + model.name());
                  })
              .thenApply(
                  r -> {
                    String name = r.getModel();
                    int at = name.indexOf('@');
                    String plain = at < 0 ? name : name.substring(0, at);
                    return plain + "@" + r.getModelVersionId();
                  });
        });
  }

  private ModelContainerSpec containerSpec(Model model, DeploymentSpec d, String tritonName) {
    ModelContainerSpec.Builder c = ModelContainerSpec.newBuilder();
    model.environment().forEach((k, v) -> c.addEnv(EnvVar.newBuilder().setName(k).setValue(v)));
    if (model.format() == ModelFormat.ONNX && model.image().isEmpty()) {
      String image =
          options
              .tritonImage()
              .orElseGet(
                  () ->
                      ServingImages.standard()
                          .find(ModelFormat.ONNX, d.accelerator().kind())
                          .orElseThrow()
                          .image());
      return c.setImageUri(image)
          .addCommand("tritonserver")
          .addArgs("--model-repository=$(AIP_STORAGE_URI)")
          .addArgs("--vertex-ai-default-model=" + tritonName)
          .setPredictRoute("/v2/models/" + tritonName + "/infer")
          .setHealthRoute("/v2/health/ready")
          .addPorts(Port.newBuilder().setContainerPort(8000))
          .build();
    }
    String image =
        model
            .image()
            .or(
                () ->
                    ServingImages.standard()
                        .find(model.format(), d.accelerator().kind())
                        .map(ServingImages.Row::image))
            .orElseThrow(
                () ->
                    invalid(
                        "no prebuilt Vertex AI image for "
                            + model.format()
                            + " on "
                            + d.accelerator().kind()
                            + "; give Model.image(...)"));
    return c.setImageUri(image).build();
  }

  private static String protocolOf(EndpointSpec spec) {
    String protocol = null;
    for (DeploymentSpec d : spec.deployments()) {
      String p =
          d.model().format() == ModelFormat.ONNX && d.model().image().isEmpty()
              ? Manifest.OIP
              : d.model().format() == ModelFormat.CUSTOM_CONTAINER
                  ? Manifest.OIP
                  : Manifest.PREDICT;
      if (protocol != null && !protocol.equals(p)) {
        throw invalid(
            "endpoint '"
                + spec.name()
                + "' mixes Triton (Open Inference Protocol) and prebuilt (instances) containers;"
                + " Vertex AI sends one request body to all of them: use two endpoints");
      }
      protocol = p;
    }
    return protocol;
  }

  // ---------------------------------------------------------------- describe

  private EndpointDescription describe(com.google.cloud.aiplatform.v1.Endpoint e) {
    Manifest manifest = Manifest.parse(e.getDescription()).orElse(null);
    String name = e.getDisplayName().isEmpty() ? lastSegment(e.getName()) : e.getDisplayName();
    Map<String, String> idToName = new HashMap<>();
    byDisplayName(e).forEach((n, m) -> idToName.put(m.getId(), n));
    EndpointStatus status =
        e.getDeployedModelsCount() == 0 ? EndpointStatus.CREATING : EndpointStatus.IN_SERVICE;
    EndpointDescription.Builder b =
        EndpointDescription.builder()
            .name(name)
            .status(status)
            .url(
                URI.create(
                    "https://"
                        + options.apiEndpoint().replace(":443", "")
                        + "/v1/"
                        + e.getName()
                        + ":rawPredict"))
            .detail("resourceName", e.getName())
            .detail("protocol", manifest == null ? null : manifest.protocol())
            .detail(
                "dedicatedEndpointDns",
                e.getDedicatedEndpointDns().isEmpty() ? null : e.getDedicatedEndpointDns())
            .detail("network", e.getNetwork().isEmpty() ? null : e.getNetwork());
    Map<String, Integer> traffic = new LinkedHashMap<>();
    e.getTrafficSplitMap()
        .forEach(
            (id, pct) -> {
              String n = idToName.get(id);
              if (n != null && pct > 0) {
                traffic.put(n, pct);
              }
            });
    b.traffic(traffic);
    for (Map.Entry<String, DeployedModel> en : byDisplayName(e).entrySet()) {
      DeployedModel m = en.getValue();
      Manifest.Entry me = manifest == null ? null : manifest.deployments().get(en.getKey());
      DedicatedResources r = m.getDedicatedResources();
      MachineSpec ms = r.getMachineSpec();
      String instanceType =
          ms.getMachineType()
              + (ms.getAcceleratorCount() > 0
                  ? " + " + ms.getAcceleratorCount() + "x " + ms.getAcceleratorType()
                  : "");
      ModelSignature sig = me == null ? null : me.signature();
      b.deployment(
          DeploymentDescription.builder()
              .name(en.getKey())
              .modelName(me != null ? me.model() : lastSegment(m.getModel()))
              .modelVersion(me != null ? me.version() : m.getModelVersionId())
              .status(status)
              .instances(Math.max(1, r.getMinReplicaCount()))
              .instanceType(instanceType)
              .signature(sig)
              .detail("deployedModelId", m.getId())
              .detail("model", m.getModel())
              .detail("maxReplicas", String.valueOf(r.getMaxReplicaCount()))
              .build());
    }
    return b.build();
  }

  /** Deployment name to deployed model; the newest wins if a name appears twice mid-update. */
  private static Map<String, DeployedModel> byDisplayName(
      com.google.cloud.aiplatform.v1.Endpoint e) {
    Map<String, DeployedModel> out = new LinkedHashMap<>();
    for (DeployedModel m : e.getDeployedModelsList()) {
      String n = m.getDisplayName().isEmpty() ? m.getId() : m.getDisplayName();
      out.put(n, m);
    }
    return out;
  }

  private CompletableFuture<com.google.cloud.aiplatform.v1.Endpoint> getEndpoint(
      String resource, CallContext ctx) {
    return unary(
        vertex
            .endpoints
            .getEndpointCallable()
            .futureCall(
                GetEndpointRequest.newBuilder().setName(resource).build(), callContext(ctx)));
  }

  // ---------------------------------------------------------------- names

  private String endpointName(String endpoint) {
    return parent + "/endpoints/" + endpointId(endpoint);
  }

  /**
   * The Vertex endpoint id of a serve4j endpoint name: lower-cased, with {@code e-} in front of a
   * leading digit (Vertex reads a leading digit as a numeric id).
   *
   * @param name the serve4j name
   * @return the id
   */
  static String endpointId(String name) {
    String id = name.toLowerCase(Locale.ROOT);
    if (Character.isDigit(id.charAt(0))) {
      id = "e-" + id;
    }
    if (id.endsWith("-") || id.length() > 63) {
      throw invalid(
          "endpoint name '"
              + name
              + "' cannot be a Vertex AI endpoint id: it must end with a letter or digit and be at"
              + " most 63 characters");
    }
    return id;
  }

  /**
   * The Vertex model id of a serve4j model name: lower-case letters, digits, '_' and '-', starting
   * with a letter.
   *
   * @param name the model name
   * @return the id
   */
  static String modelId(String name) {
    String id = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]", "-");
    return Character.isLetter(id.charAt(0)) ? id : "m-" + id;
  }

  /**
   * The version alias of a model version (plus its batching, which is baked into Triton's config).
   *
   * @param model the model
   * @param batching the deployment's batching, or null
   * @return e.g. {@code v1} or {@code v2-b1a2b3c4}
   */
  static String versionAlias(Model model, BatchingPolicy batching) {
    String v = "v" + model.version().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    if (batching != null) {
      v += "-b" + Integer.toHexString(batching.hashCode());
    }
    while (v.endsWith("-")) {
      v = v.substring(0, v.length() - 1);
    }
    return v;
  }

  private static Map<String, String> labels(Map<String, String> tags) {
    Map<String, String> out = new LinkedHashMap<>();
    tags.forEach((k, v) -> out.put(label(k), label(v)));
    return out;
  }

  private static String label(String s) {
    String l = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]", "_");
    return l.length() > 63 ? l.substring(0, 63) : l;
  }

  private static String lastSegment(String resource) {
    return resource.substring(resource.lastIndexOf('/') + 1);
  }

  private static ServingException invalid(String message) {
    return ServingException.builder(ErrorCategory.INVALID_INPUT)
        .providerId(GcpProvider.ID)
        .message(message)
        .build();
  }

  // ---------------------------------------------------------------- futures

  /**
   * Per-call gRPC context: the caller's remaining time as the gRPC deadline of this one call, one
   * attempt and no retryable codes (core owns retries).
   */
  private static ApiCallContext callContext(CallContext ctx) {
    Duration left = ctx.deadline().remaining();
    if (left.isZero()) {
      left = Duration.ofMillis(1);
    }
    return GrpcCallContext.createDefault()
        .withTimeoutDuration(left)
        .withRetryableCodes(Set.of())
        .withRetrySettings(
            RetrySettings.newBuilder()
                .setTotalTimeoutDuration(left)
                .setInitialRpcTimeoutDuration(left)
                .setMaxRpcTimeoutDuration(left)
                .setRpcTimeoutMultiplier(1.0)
                .setMaxAttempts(1)
                .build());
  }

  private static <T> CompletableFuture<T> unary(ApiFuture<T> f) {
    CompletableFuture<T> out =
        new CompletableFuture<>() {
          @Override
          public boolean cancel(boolean mayInterrupt) {
            f.cancel(true);
            return super.cancel(mayInterrupt);
          }
        };
    ApiFutures.addCallback(
        f,
        new ApiFutureCallback<T>() {
          @Override
          public void onFailure(Throwable t) {
            out.completeExceptionally(t);
          }

          @Override
          public void onSuccess(T result) {
            out.complete(result);
          }
        },
        MoreExecutors.directExecutor());
    return out;
  }

  /**
   * Awaits a long-running operation through the client's own OperationFuture, bounded by the
   * caller's deadline and stopped by cancellation. Stopping the wait does not stop the operation on
   * Vertex AI; its name is in the timeout message.
   */
  private <R> CompletableFuture<R> lro(OperationFuture<R, ?> op, CallContext ctx, String what) {
    CompletableFuture<R> out = unary(op);
    String[] name = {"(not started yet)"};
    ApiFutures.addCallback(
        op.getInitialFuture(),
        new ApiFutureCallback<com.google.api.gax.longrunning.OperationSnapshot>() {
          @Override
          public void onFailure(Throwable t) {
            // reported through op itself
          }

          @Override
          public void onSuccess(com.google.api.gax.longrunning.OperationSnapshot s) {
            name[0] = s.getName();
            ctx.progress(what + ": waiting for operation " + s.getName(), -1);
          }
        },
        MoreExecutors.directExecutor());
    long tick = Math.max(10, Math.min(200, options.pollInterval().toMillis()));
    ScheduledFuture<?> watch =
        context
            .scheduler()
            .scheduleWithFixedDelay(
                () -> {
                  if (out.isDone()) {
                    return;
                  }
                  if (ctx.deadline().isExpired()) {
                    out.completeExceptionally(
                        ServingException.builder(ErrorCategory.TIMEOUT)
                            .providerId(GcpProvider.ID)
                            .requestId(ctx.requestId())
                            .message(
                                what
                                    + " did not finish before its deadline; Vertex AI operation "
                                    + name[0]
                                    + " goes on")
                            .build());
                  } else if (ctx.isCancelled()) {
                    out.cancel(false);
                  }
                },
                tick,
                tick,
                TimeUnit.MILLISECONDS);
    out.whenComplete(
        (v, e) -> {
          watch.cancel(false);
          if (!op.isDone()) {
            op.cancel(true);
          }
        });
    return out;
  }

  private static <T> CompletableFuture<Void> sequence(
      List<T> items, Function<T, CompletableFuture<?>> step, CallContext ctx) {
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    for (T item : items) {
      chain = chain.thenCompose(v -> step.apply(item).thenApply(x -> (Void) null));
    }
    return chain;
  }
}
