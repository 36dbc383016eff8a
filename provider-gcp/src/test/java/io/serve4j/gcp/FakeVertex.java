package io.serve4j.gcp;

import com.google.api.HttpBody;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.grpc.testing.MockGrpcService;
import com.google.api.gax.rpc.TransportChannel;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.cloud.aiplatform.v1.BatchPredictionJob;
import com.google.cloud.aiplatform.v1.CancelBatchPredictionJobRequest;
import com.google.cloud.aiplatform.v1.CreateBatchPredictionJobRequest;
import com.google.cloud.aiplatform.v1.CreateEndpointOperationMetadata;
import com.google.cloud.aiplatform.v1.CreateEndpointRequest;
import com.google.cloud.aiplatform.v1.DeleteEndpointRequest;
import com.google.cloud.aiplatform.v1.DeleteModelRequest;
import com.google.cloud.aiplatform.v1.DeleteModelVersionRequest;
import com.google.cloud.aiplatform.v1.DeleteOperationMetadata;
import com.google.cloud.aiplatform.v1.DeployModelOperationMetadata;
import com.google.cloud.aiplatform.v1.DeployModelRequest;
import com.google.cloud.aiplatform.v1.DeployModelResponse;
import com.google.cloud.aiplatform.v1.DeployedModel;
import com.google.cloud.aiplatform.v1.Endpoint;
import com.google.cloud.aiplatform.v1.GetBatchPredictionJobRequest;
import com.google.cloud.aiplatform.v1.GetEndpointRequest;
import com.google.cloud.aiplatform.v1.GetModelRequest;
import com.google.cloud.aiplatform.v1.JobState;
import com.google.cloud.aiplatform.v1.ListBatchPredictionJobsRequest;
import com.google.cloud.aiplatform.v1.ListBatchPredictionJobsResponse;
import com.google.cloud.aiplatform.v1.ListEndpointsRequest;
import com.google.cloud.aiplatform.v1.ListEndpointsResponse;
import com.google.cloud.aiplatform.v1.Model;
import com.google.cloud.aiplatform.v1.MutateDeployedModelOperationMetadata;
import com.google.cloud.aiplatform.v1.MutateDeployedModelRequest;
import com.google.cloud.aiplatform.v1.MutateDeployedModelResponse;
import com.google.cloud.aiplatform.v1.PredictRequest;
import com.google.cloud.aiplatform.v1.PredictResponse;
import com.google.cloud.aiplatform.v1.RawPredictRequest;
import com.google.cloud.aiplatform.v1.UndeployModelOperationMetadata;
import com.google.cloud.aiplatform.v1.UndeployModelRequest;
import com.google.cloud.aiplatform.v1.UndeployModelResponse;
import com.google.cloud.aiplatform.v1.UpdateEndpointRequest;
import com.google.cloud.aiplatform.v1.UploadModelOperationMetadata;
import com.google.cloud.aiplatform.v1.UploadModelRequest;
import com.google.cloud.aiplatform.v1.UploadModelResponse;
import com.google.longrunning.CancelOperationRequest;
import com.google.longrunning.DeleteOperationRequest;
import com.google.longrunning.GetOperationRequest;
import com.google.longrunning.Operation;
import com.google.protobuf.AbstractMessage;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.protobuf.ListValue;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.AnonymousInProcessSocketAddress;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.protocol.OipJson;
import io.serve4j.testkit.Fault;
import io.serve4j.testkit.FaultFixture;
import io.serve4j.testkit.WireCalls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A small stateful Vertex AI behind an in-process gRPC server (services are gax testlib {@link
 * MockGrpcService}s): EndpointService, ModelService, PredictionService, JobService and the
 * long-running Operations service, with operations that finish a set time after they start,
 * endpoints that are NotFound after delete, and predictions answered by a function on the decoded
 * Open Inference Protocol body. Google's generated {@code Mock*ServiceImpl} classes cannot load
 * here because the {@code *ImplBase} server stubs (grpc-google-cloud-aiplatform-v1) are not served,
 * so the services are built from method descriptors with the request and response protos'
 * marshallers.
 *
 * <p>{@link #injectFaults} makes the next Predict / RawPredict calls fail the way Vertex AI does:
 * RESOURCE_EXHAUSTED with a {@code google.rpc.RetryInfo} detail, INTERNAL, UNAVAILABLE, an answer
 * after a delay, a 200 whose body is not Open Inference Protocol JSON, or the transport torn down
 * under the call (the in-process server is shut down and a new one started on the same address).
 */
final class FakeVertex implements AutoCloseable, FaultFixture.CallFaults {
  /**
   * NVIDIA's Triton image as a user would push it to Artifact Registry (what tests deploy with).
   */
  static final String TRITON_IMAGE =
      "us-docker.pkg.dev/test-project/serving/tritonserver:24.08-py3";

  /**
   * A scikit-learn model on the class path, served by Vertex AI's prebuilt container: what batch
   * jobs use, since Triton (ONNX) cannot read batch prediction's request bodies.
   */
  static io.serve4j.Model sklearnModel() {
    return io.serve4j.Model.builder()
        .name("churn")
        .format(io.serve4j.ModelFormat.SCIKIT_LEARN)
        .artifact("classpath:models/churn.joblib")
        .build();
  }

  private final Duration operationLatency;
  private final int jobPolls;

  /**
   * The in-process address clients connect to; an anonymous one (not a registered name) because
   * {@link #dropConnections} relies on its lookup being guarded by the address's monitor.
   */
  private final AnonymousInProcessSocketAddress address = new AnonymousInProcessSocketAddress();

  private final List<MockGrpcService> services;
  private volatile Server server;
  private final Deque<Fault> faults = new ArrayDeque<>();
  private final ScheduledExecutorService delays =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "fake-vertex-delays");
            t.setDaemon(true);
            return t;
          });
  private final Object lock = new Object();
  private final Map<String, Endpoint.Builder> endpoints = new LinkedHashMap<>();
  private final Map<String, List<Model>> models = new LinkedHashMap<>();
  private final Map<String, Op> operations = new LinkedHashMap<>();
  private final Map<String, BatchPredictionJob.Builder> jobs = new LinkedHashMap<>();
  private final Map<String, Integer> jobGets = new LinkedHashMap<>();
  private final AtomicLong predictions = new AtomicLong();
  private final AtomicInteger ids = new AtomicInteger(1000);
  private volatile Function<InferenceRequest, InferenceResponse> oip;

  /** StreamRawPredict's scripted streams. */
  final FakeVertexStreams streams = new FakeVertexStreams();

  /** The control-plane call log and gate of {@code LifecycleSafetyContract}. */
  final WireCalls wireCalls = new WireCalls();

  final Svc endpointService = new Svc("google.cloud.aiplatform.v1.EndpointService", wireCalls);
  final Svc modelService = new Svc("google.cloud.aiplatform.v1.ModelService", wireCalls);
  final Svc predictionService = new Svc("google.cloud.aiplatform.v1.PredictionService", null);
  final Svc jobService = new Svc("google.cloud.aiplatform.v1.JobService", wireCalls);
  final Svc operationsService = new Svc("google.longrunning.Operations", wireCalls);

  /**
   * Everything the service holds, with the settings a failed or cancelled operation must not
   * change: endpoints (traffic by deployment, manifest), deployed models (model, replicas,
   * autoscaling), model versions, and running batch jobs.
   */
  Set<String> resources() {
    synchronized (lock) {
      Set<String> out = new TreeSet<>();
      endpoints.forEach(
          (n, e) -> {
            Map<String, String> idToName = new HashMap<>();
            e.getDeployedModelsList().forEach(m -> idToName.put(m.getId(), m.getDisplayName()));
            Map<String, Integer> traffic = new TreeMap<>();
            e.getTrafficSplitMap().forEach((id, pct) -> traffic.put(idToName.get(id), pct));
            out.add("endpoint:" + n + " traffic=" + traffic + " manifest=" + e.getDescription());
            e.getDeployedModelsList()
                .forEach(
                    m ->
                        out.add(
                            "deployed-model:"
                                + n
                                + "/"
                                + m.getDisplayName()
                                + " model="
                                + m.getModel()
                                + " resources="
                                + m.getDedicatedResources().toString().replace('\n', ' ')));
          });
      models.forEach(
          (n, versions) ->
              versions.forEach(
                  v ->
                      out.add(
                          "model:"
                              + n
                              + "@"
                              + v.getVersionId()
                              + " "
                              + v.getVersionAliasesList())));
      jobs.values().stream()
          .filter(
              j ->
                  j.getState() == JobState.JOB_STATE_PENDING
                      || j.getState() == JobState.JOB_STATE_RUNNING)
          .forEach(j -> out.add("batch-job:" + j.getDisplayName()));
      return out;
    }
  }

  FakeVertex(
      Duration operationLatency, int jobPolls, Function<InferenceRequest, InferenceResponse> oip) {
    this.operationLatency = operationLatency;
    this.jobPolls = jobPolls;
    this.oip = oip;
    register();
    services =
        List.of(endpointService, modelService, predictionService, jobService, operationsService);
    server = startServer();
  }

  private Server startServer() {
    InProcessServerBuilder b = InProcessServerBuilder.forAddress(address);
    services.forEach(svc -> b.addService(svc.getServiceDefinition()));
    try {
      return b.build().start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Makes the next prediction calls (Predict or RawPredict) fail with these faults, in order,
   * replacing any still queued; later calls are answered normally.
   */
  void injectFaults(Fault... next) {
    synchronized (faults) {
      faults.clear();
      faults.addAll(List.of(next));
    }
  }

  TransportChannelProvider channelProvider() {
    return new Channels(address, null);
  }

  /**
   * A channel provider whose channels run their timers (gRPC's per-call deadline timer among them)
   * on {@code timer}.
   */
  TransportChannelProvider channelProvider(ScheduledExecutorService timer) {
    return new Channels(address, timer);
  }

  long predictionsReceived() {
    return predictions.get();
  }

  /** The status description the next prediction fails with (INTERNAL), e.g. one echoing secrets. */
  volatile String leakyDescription;

  private final Map<Fault.Call, AtomicLong> callRequests = new ConcurrentHashMap<>();
  private final Map<Fault.Call, java.util.Queue<Fault>> callFaults = new ConcurrentHashMap<>();

  /**
   * Fails the next requests of a call on demand: PREDICT the Predict / RawPredict calls ({@link
   * #injectFaults}), DESCRIBE GetEndpoint, LIST ListEndpoints, DELETE DeleteEndpoint (UNAVAILABLE,
   * INTERNAL, RESOURCE_EXHAUSTED, or a slow answer).
   */
  @Override
  public void inject(Fault.Call call, Fault... next) {
    if (call == Fault.Call.PREDICT) {
      injectFaults(next);
      return;
    }
    java.util.Queue<Fault> q =
        callFaults.computeIfAbsent(call, c -> new java.util.concurrent.ConcurrentLinkedQueue<>());
    q.clear();
    q.addAll(List.of(next));
  }

  @Override
  public long requests(Fault.Call call) {
    if (call == Fault.Call.PREDICT) {
      return predictions.get();
    }
    AtomicLong n = callRequests.get(call);
    return n == null ? 0 : n.get();
  }

  /** A unary handler that counts its call and plays the fault injected for it first. */
  private <Q, S extends Message> BiConsumer<Q, StreamObserver<S>> faulted(
      Fault.Call call, Function<Q, S> handler) {
    return (q, out) -> {
      callRequests.computeIfAbsent(call, c -> new AtomicLong()).incrementAndGet();
      java.util.Queue<Fault> queue = callFaults.get(call);
      Fault fault = queue == null ? null : queue.poll();
      Supplier<S> answer = () -> handler.apply(q);
      if (fault == null) {
        respond(answer, out);
        return;
      }
      switch (fault.kind()) {
        case THROTTLE -> out.onError(throttled(fault.duration()));
        case SERVER_ERROR ->
            out.onError(Status.INTERNAL.withDescription("Internal error").asRuntimeException());
        case UNAVAILABLE ->
            out.onError(
                Status.UNAVAILABLE
                    .withDescription("The service is currently unavailable")
                    .asRuntimeException());
        case SLOW ->
            delays.schedule(
                () -> respond(answer, out), fault.duration().toMillis(), TimeUnit.MILLISECONDS);
        default ->
            out.onError(Status.INTERNAL.withDescription("cannot inject").asRuntimeException());
      }
    };
  }

  /** Changes an endpoint as the console or another tool would (state set outside serve4j). */
  void changeEndpoint(String name, java.util.function.UnaryOperator<Endpoint.Builder> change) {
    synchronized (lock) {
      endpoints.put(name, change.apply(endpoints.get(name)));
    }
  }

  /** Returns the deployed models of an endpoint as the service holds them. */
  Endpoint endpoint(String name) {
    synchronized (lock) {
      Endpoint.Builder e = endpoints.get(name);
      return e == null ? null : e.build();
    }
  }

  @Override
  public void close() {
    server.shutdownNow();
    delays.shutdownNow();
  }

  // ---------------------------------------------------------------- services

  private void register() {
    endpointService.unary(
        "CreateEndpoint",
        CreateEndpointRequest.getDefaultInstance(),
        Operation.getDefaultInstance(),
        this::createEndpoint);
    endpointService.unaryAsync(
        "GetEndpoint",
        GetEndpointRequest.getDefaultInstance(),
        Endpoint.getDefaultInstance(),
        faulted(Fault.Call.DESCRIBE, r -> requireEndpoint(r.getName()).build()));
    endpointService.unaryAsync(
        "ListEndpoints",
        ListEndpointsRequest.getDefaultInstance(),
        ListEndpointsResponse.getDefaultInstance(),
        faulted(Fault.Call.LIST, this::listEndpoints));
    endpointService.unary(
        "UpdateEndpoint",
        UpdateEndpointRequest.getDefaultInstance(),
        Endpoint.getDefaultInstance(),
        this::updateEndpoint);
    endpointService.unaryAsync(
        "DeleteEndpoint",
        DeleteEndpointRequest.getDefaultInstance(),
        Operation.getDefaultInstance(),
        faulted(Fault.Call.DELETE, this::deleteEndpoint));
    endpointService.unary(
        "DeployModel",
        DeployModelRequest.getDefaultInstance(),
        Operation.getDefaultInstance(),
        this::deployModel);
    endpointService.unary(
        "UndeployModel",
        UndeployModelRequest.getDefaultInstance(),
        Operation.getDefaultInstance(),
        this::undeployModel);
    endpointService.unary(
        "MutateDeployedModel",
        MutateDeployedModelRequest.getDefaultInstance(),
        Operation.getDefaultInstance(),
        this::mutateDeployedModel);
    modelService.unary(
        "UploadModel",
        UploadModelRequest.getDefaultInstance(),
        Operation.getDefaultInstance(),
        this::uploadModel);
    modelService.unary(
        "DeleteModel",
        DeleteModelRequest.getDefaultInstance(),
        Operation.getDefaultInstance(),
        this::deleteModel);
    modelService.unary(
        "DeleteModelVersion",
        DeleteModelVersionRequest.getDefaultInstance(),
        Operation.getDefaultInstance(),
        this::deleteModelVersion);
    modelService.unary(
        "GetModel",
        GetModelRequest.getDefaultInstance(),
        Model.getDefaultInstance(),
        r -> findModel(r.getName()));
    predictionService.serverStreaming(
        "StreamRawPredict",
        com.google.cloud.aiplatform.v1.StreamRawPredictRequest.getDefaultInstance(),
        HttpBody.getDefaultInstance(),
        streams::streamRawPredict);
    predictionService.unaryAsync(
        "RawPredict",
        RawPredictRequest.getDefaultInstance(),
        HttpBody.getDefaultInstance(),
        (r, out) -> prediction(r.getEndpoint(), () -> rawPredict(r), FakeVertex::notOip, out));
    predictionService.unaryAsync(
        "Predict",
        PredictRequest.getDefaultInstance(),
        PredictResponse.getDefaultInstance(),
        (r, out) ->
            prediction(
                r.getEndpoint(),
                () -> predict(r),
                () -> {
                  throw new IllegalStateException(
                      "MALFORMED_BODY is injected into RawPredict (the OIP body) only");
                },
                out));
    jobService.unary(
        "CreateBatchPredictionJob",
        CreateBatchPredictionJobRequest.getDefaultInstance(),
        BatchPredictionJob.getDefaultInstance(),
        this::createJob);
    jobService.unary(
        "GetBatchPredictionJob",
        GetBatchPredictionJobRequest.getDefaultInstance(),
        BatchPredictionJob.getDefaultInstance(),
        this::getJob);
    jobService.unary(
        "ListBatchPredictionJobs",
        ListBatchPredictionJobsRequest.getDefaultInstance(),
        ListBatchPredictionJobsResponse.getDefaultInstance(),
        this::listJobs);
    jobService.unary(
        "CancelBatchPredictionJob",
        CancelBatchPredictionJobRequest.getDefaultInstance(),
        Empty.getDefaultInstance(),
        this::cancelJob);
    operationsService.unary(
        "GetOperation",
        GetOperationRequest.getDefaultInstance(),
        Operation.getDefaultInstance(),
        this::getOperation);
    operationsService.unary(
        "CancelOperation",
        CancelOperationRequest.getDefaultInstance(),
        Empty.getDefaultInstance(),
        r -> Empty.getDefaultInstance());
    operationsService.unary(
        "DeleteOperation",
        DeleteOperationRequest.getDefaultInstance(),
        Empty.getDefaultInstance(),
        r -> Empty.getDefaultInstance());
  }

  private Operation createEndpoint(CreateEndpointRequest r) {
    synchronized (lock) {
      String id =
          r.getEndpointId().isEmpty() ? String.valueOf(ids.incrementAndGet()) : r.getEndpointId();
      String name = r.getParent() + "/endpoints/" + id;
      if (endpoints.containsKey(name)) {
        throw Status.ALREADY_EXISTS
            .withDescription("Endpoint " + name + " already exists")
            .asRuntimeException();
      }
      Endpoint.Builder e = r.getEndpoint().toBuilder().setName(name).setCreateTime(now());
      endpoints.put(name, e);
      return start(CreateEndpointOperationMetadata.getDefaultInstance(), () -> endpoint(name));
    }
  }

  private ListEndpointsResponse listEndpoints(ListEndpointsRequest r) {
    synchronized (lock) {
      ListEndpointsResponse.Builder b = ListEndpointsResponse.newBuilder();
      endpoints.forEach(
          (n, e) -> {
            if (n.startsWith(r.getParent() + "/")) {
              b.addEndpoints(e.build());
            }
          });
      return b.build();
    }
  }

  private Endpoint updateEndpoint(UpdateEndpointRequest r) {
    synchronized (lock) {
      Endpoint.Builder e = requireEndpoint(r.getEndpoint().getName());
      for (String path : r.getUpdateMask().getPathsList()) {
        switch (path) {
          case "traffic_split" -> {
            checkTraffic(e, r.getEndpoint().getTrafficSplitMap());
            e.clearTrafficSplit().putAllTrafficSplit(r.getEndpoint().getTrafficSplitMap());
          }
          case "description" -> e.setDescription(r.getEndpoint().getDescription());
          case "display_name" -> e.setDisplayName(r.getEndpoint().getDisplayName());
          case "labels" -> e.clearLabels().putAllLabels(r.getEndpoint().getLabelsMap());
          default ->
              throw Status.INVALID_ARGUMENT
                  .withDescription("cannot update " + path)
                  .asRuntimeException();
        }
      }
      return e.build();
    }
  }

  private static void checkTraffic(Endpoint.Builder e, Map<String, Integer> split) {
    int sum = 0;
    for (Map.Entry<String, Integer> t : split.entrySet()) {
      if (e.getDeployedModelsList().stream().noneMatch(m -> m.getId().equals(t.getKey()))) {
        throw Status.INVALID_ARGUMENT
            .withDescription("traffic names unknown deployed model " + t.getKey())
            .asRuntimeException();
      }
      sum += t.getValue();
    }
    if (!split.isEmpty() && sum != 100) {
      throw Status.INVALID_ARGUMENT
          .withDescription("traffic split must sum to 100, sums to " + sum)
          .asRuntimeException();
    }
  }

  private Operation deleteEndpoint(DeleteEndpointRequest r) {
    synchronized (lock) {
      Endpoint.Builder e = requireEndpoint(r.getName());
      if (e.getDeployedModelsCount() > 0) {
        throw Status.FAILED_PRECONDITION
            .withDescription("Endpoint " + r.getName() + " still has deployed models")
            .asRuntimeException();
      }
      return start(
          DeleteOperationMetadata.getDefaultInstance(),
          () -> {
            endpoints.remove(r.getName());
            return Empty.getDefaultInstance();
          });
    }
  }

  private Operation deployModel(DeployModelRequest r) {
    synchronized (lock) {
      requireEndpoint(r.getEndpoint());
      Model model = findModel(r.getDeployedModel().getModel());
      return start(
          DeployModelOperationMetadata.getDefaultInstance(),
          () -> {
            Endpoint.Builder e = requireEndpoint(r.getEndpoint());
            DeployedModel.Builder built =
                r.getDeployedModel().toBuilder()
                    .setId(String.valueOf(ids.incrementAndGet()))
                    .setModelVersionId(model.getVersionId())
                    .setCreateTime(now());
            if (!e.getNetwork().isEmpty()) {
              // Private services access: the deployed model answers at an HTTP URI in the VPC.
              built.setPrivateEndpoints(
                  com.google.cloud.aiplatform.v1.PrivateEndpoints.newBuilder()
                      .setPredictHttpUri(
                          "http://10.20.0.2/v1/models/" + built.getId() + ":predict"));
            }
            DeployedModel dm = built.build();
            e.addDeployedModels(dm);
            if (r.getTrafficSplitCount() > 0) {
              Map<String, Integer> split = new LinkedHashMap<>();
              r.getTrafficSplitMap()
                  .forEach((k, v) -> split.put(k.equals("0") ? dm.getId() : k, v));
              checkTraffic(e, split);
              e.clearTrafficSplit().putAllTrafficSplit(split);
            }
            return DeployModelResponse.newBuilder().setDeployedModel(dm).build();
          });
    }
  }

  private Operation undeployModel(UndeployModelRequest r) {
    synchronized (lock) {
      Endpoint.Builder e = requireEndpoint(r.getEndpoint());
      String id = r.getDeployedModelId();
      if (e.getDeployedModelsList().stream().noneMatch(m -> m.getId().equals(id))) {
        throw Status.NOT_FOUND.withDescription("no deployed model " + id).asRuntimeException();
      }
      if (e.getTrafficSplitOrDefault(id, 0) > 0
          && r.getTrafficSplitCount() == 0
          && e.getDeployedModelsCount() > 1) {
        throw Status.FAILED_PRECONDITION
            .withDescription("deployed model " + id + " has traffic; give a traffic split")
            .asRuntimeException();
      }
      return start(
          UndeployModelOperationMetadata.getDefaultInstance(),
          () -> {
            Endpoint.Builder ep = requireEndpoint(r.getEndpoint());
            List<DeployedModel> keep = new ArrayList<>(ep.getDeployedModelsList());
            keep.removeIf(m -> m.getId().equals(id));
            ep.clearDeployedModels().addAllDeployedModels(keep);
            ep.removeTrafficSplit(id);
            if (r.getTrafficSplitCount() > 0) {
              ep.clearTrafficSplit().putAllTrafficSplit(r.getTrafficSplitMap());
            }
            return UndeployModelResponse.getDefaultInstance();
          });
    }
  }

  private Operation mutateDeployedModel(MutateDeployedModelRequest r) {
    synchronized (lock) {
      requireEndpoint(r.getEndpoint());
      return start(
          MutateDeployedModelOperationMetadata.getDefaultInstance(),
          () -> {
            Endpoint.Builder e = requireEndpoint(r.getEndpoint());
            List<DeployedModel> all = new ArrayList<>(e.getDeployedModelsList());
            DeployedModel updated = null;
            for (int i = 0; i < all.size(); i++) {
              if (all.get(i).getId().equals(r.getDeployedModel().getId())) {
                updated =
                    all.get(i).toBuilder()
                        .setDedicatedResources(r.getDeployedModel().getDedicatedResources())
                        .build();
                all.set(i, updated);
              }
            }
            if (updated == null) {
              throw Status.NOT_FOUND
                  .withDescription("no deployed model " + r.getDeployedModel().getId())
                  .asRuntimeException();
            }
            e.clearDeployedModels().addAllDeployedModels(all);
            return MutateDeployedModelResponse.newBuilder().setDeployedModel(updated).build();
          });
    }
  }

  private Operation uploadModel(UploadModelRequest r) {
    synchronized (lock) {
      String base;
      if (r.getParentModel().isEmpty()) {
        String id =
            r.getModelId().isEmpty() ? String.valueOf(ids.incrementAndGet()) : r.getModelId();
        base = r.getParent() + "/models/" + id;
        if (models.containsKey(base)) {
          throw Status.ALREADY_EXISTS
              .withDescription("Model " + base + " already exists")
              .asRuntimeException();
        }
      } else {
        base = r.getParentModel();
        if (!models.containsKey(base)) {
          throw Status.NOT_FOUND
              .withDescription("parent model " + base + " not found")
              .asRuntimeException();
        }
      }
      if (r.getModel().getContainerSpec().getImageUri().isEmpty()) {
        throw Status.INVALID_ARGUMENT
            .withDescription("container_spec.image_uri is required")
            .asRuntimeException();
      }
      String name = base;
      return start(
          UploadModelOperationMetadata.getDefaultInstance(),
          () -> {
            List<Model> versions = models.computeIfAbsent(name, k -> new ArrayList<>());
            String version = String.valueOf(versions.size() + 1);
            versions.add(
                r.getModel().toBuilder()
                    .setName(name)
                    .setVersionId(version)
                    .setCreateTime(now())
                    .build());
            return UploadModelResponse.newBuilder()
                .setModel(name)
                .setModelVersionId(version)
                .build();
          });
    }
  }

  private boolean deployed(String base, String version) {
    return endpoints.values().stream()
        .flatMap(e -> e.getDeployedModelsList().stream())
        .anyMatch(
            m ->
                m.getModel().startsWith(base + "@")
                    && (version == null || m.getModel().equals(base + "@" + version)));
  }

  /** Deletes a model with all its versions; refused while any version is deployed. */
  private Operation deleteModel(DeleteModelRequest r) {
    synchronized (lock) {
      findModel(r.getName());
      if (deployed(r.getName(), null)) {
        throw Status.FAILED_PRECONDITION
            .withDescription("Model " + r.getName() + " is deployed")
            .asRuntimeException();
      }
      return start(
          DeleteOperationMetadata.getDefaultInstance(),
          () -> {
            models.remove(r.getName());
            return Empty.getDefaultInstance();
          });
    }
  }

  /** Deletes one version; refused for the only (default) version and while it is deployed. */
  private Operation deleteModelVersion(DeleteModelVersionRequest r) {
    synchronized (lock) {
      Model m = findModel(r.getName());
      String base = r.getName().substring(0, r.getName().indexOf('@'));
      List<Model> versions = models.get(base);
      if (versions.size() == 1 || deployed(base, m.getVersionId())) {
        throw Status.FAILED_PRECONDITION
            .withDescription("cannot delete version " + r.getName())
            .asRuntimeException();
      }
      return start(
          DeleteOperationMetadata.getDefaultInstance(),
          () -> {
            versions.removeIf(v -> v.getVersionId().equals(m.getVersionId()));
            return Empty.getDefaultInstance();
          });
    }
  }

  private Model findModel(String ref) {
    synchronized (lock) {
      int at = ref.indexOf('@');
      String base = at < 0 ? ref : ref.substring(0, at);
      String version = at < 0 ? "" : ref.substring(at + 1);
      List<Model> versions = models.get(base);
      if (versions == null || versions.isEmpty()) {
        throw Status.NOT_FOUND.withDescription("Model " + base + " not found").asRuntimeException();
      }
      if (version.isEmpty()) {
        return versions.get(versions.size() - 1);
      }
      return versions.stream()
          .filter(
              m -> m.getVersionId().equals(version) || m.getVersionAliasesList().contains(version))
          .findFirst()
          .orElseThrow(
              () ->
                  Status.NOT_FOUND
                      .withDescription("Model " + ref + " not found")
                      .asRuntimeException());
    }
  }

  private String route(String endpoint) {
    synchronized (lock) {
      Endpoint.Builder e = requireEndpoint(endpoint);
      if (e.getTrafficSplitMap().values().stream().mapToInt(Integer::intValue).sum() == 0) {
        throw Status.FAILED_PRECONDITION
            .withDescription("Endpoint " + endpoint + " has no model taking traffic")
            .asRuntimeException();
      }
      return e.getTrafficSplitMap().entrySet().stream()
          .filter(t -> t.getValue() > 0)
          .findFirst()
          .orElseThrow()
          .getKey();
    }
  }

  /**
   * Answers one prediction call: counts it once it reaches a routable endpoint, then either
   * answers, or plays the next injected fault.
   */
  private <S extends Message> void prediction(
      String endpoint, Supplier<S> answer, Supplier<S> malformed, StreamObserver<S> out) {
    route(endpoint);
    predictions.incrementAndGet();
    String leak = leakyDescription;
    if (leak != null) {
      leakyDescription = null;
      out.onError(Status.INTERNAL.withDescription(leak).asRuntimeException());
      return;
    }
    Fault fault;
    synchronized (faults) {
      fault = faults.poll();
    }
    if (fault == null) {
      respond(answer, out);
      return;
    }
    switch (fault.kind()) {
      case THROTTLE -> out.onError(throttled(fault.duration()));
      case SERVER_ERROR ->
          out.onError(Status.INTERNAL.withDescription("Internal error").asRuntimeException());
      case UNAVAILABLE ->
          out.onError(
              Status.UNAVAILABLE
                  .withDescription("The service is currently unavailable")
                  .asRuntimeException());
      case SLOW ->
          delays.schedule(
              () -> respond(answer, out), fault.duration().toMillis(), TimeUnit.MILLISECONDS);
      case MALFORMED_BODY -> respond(malformed, out);
      case CONNECTION_RESET -> dropConnections();
    }
  }

  /** A 200 whose body is an HTML error page from a proxy, not an inference response. */
  private static HttpBody notOip() {
    return HttpBody.newBuilder()
        .setContentType("application/json")
        .setData(ByteString.copyFromUtf8("<html><body>502 Bad Gateway</body></html>"))
        .build();
  }

  private static <S extends Message> void respond(Supplier<S> answer, StreamObserver<S> out) {
    try {
      out.onNext(answer.get());
      out.onCompleted();
    } catch (StatusRuntimeException e) {
      out.onError(e);
    } catch (RuntimeException e) {
      out.onError(Status.INTERNAL.withDescription(e.toString()).withCause(e).asRuntimeException());
    }
  }

  /** RESOURCE_EXHAUSTED as Vertex sends it for a rate limit: a RetryInfo in the status details. */
  private static StatusRuntimeException throttled(Duration retryAfter) {
    return StatusProto.toStatusRuntimeException(
        com.google.rpc.Status.newBuilder()
            .setCode(Status.Code.RESOURCE_EXHAUSTED.value())
            .setMessage("Too many requests: online prediction requests per minute exceeded")
            .addDetails(
                Any.pack(
                    com.google.rpc.RetryInfo.newBuilder()
                        .setRetryDelay(
                            com.google.protobuf.Duration.newBuilder()
                                .setSeconds(retryAfter.getSeconds())
                                .setNanos(retryAfter.getNano()))
                        .build()))
            .build());
  }

  /**
   * Tears down every connection to the fake with the call in flight, the in-process analogue of a
   * reset: the server is shut down now (its transports close under their streams, which the client
   * sees as UNAVAILABLE from the transport, not a status the service wrote) and a new server is
   * started on the same address, so the client's next call reconnects. The in-process transport
   * looks an anonymous address's server up under the address's monitor; holding it across the swap
   * makes a reconnect racing the swap wait for the successor instead of failing with "Could not
   * find server" and leaving the channel in connect backoff.
   */
  private void dropConnections() {
    synchronized (address) {
      server.shutdownNow();
      server = startServer();
    }
  }

  private HttpBody rawPredict(RawPredictRequest r) {
    HttpBody body = r.getHttpBody();
    if (!body.getContentType().startsWith("application/json")) {
      return HttpBody.newBuilder()
          .setContentType(body.getContentType())
          .setData(body.getData())
          .build();
    }
    InferenceRequest request;
    try {
      request = OipJson.readRequest(body.getData().toByteArray());
    } catch (RuntimeException e) {
      throw Status.INVALID_ARGUMENT
          .withDescription("not an inference request: " + e.getMessage())
          .asRuntimeException();
    }
    InferenceResponse answer = oip.apply(request);
    return HttpBody.newBuilder()
        .setContentType("application/json")
        .setData(ByteString.copyFrom(OipJson.writeResponse(answer)))
        .build();
  }

  private PredictResponse predict(PredictRequest r) {
    String deployed = route(r.getEndpoint());
    PredictResponse.Builder b = PredictResponse.newBuilder().setDeployedModelId(deployed);
    r.getInstancesList().forEach(v -> b.addPredictions(relu(v)));
    return b.build();
  }

  private static Value relu(Value v) {
    return switch (v.getKindCase()) {
      case NUMBER_VALUE ->
          Value.newBuilder().setNumberValue(Math.max(0, v.getNumberValue())).build();
      case LIST_VALUE -> {
        ListValue.Builder l = ListValue.newBuilder();
        v.getListValue().getValuesList().forEach(x -> l.addValues(relu(x)));
        yield Value.newBuilder().setListValue(l).build();
      }
      default -> v;
    };
  }

  private BatchPredictionJob createJob(CreateBatchPredictionJobRequest r) {
    synchronized (lock) {
      findModel(r.getBatchPredictionJob().getModel());
      String name = r.getParent() + "/batchPredictionJobs/" + ids.incrementAndGet();
      BatchPredictionJob.Builder j =
          r.getBatchPredictionJob().toBuilder()
              .setName(name)
              .setState(JobState.JOB_STATE_PENDING)
              .setCreateTime(now());
      jobs.put(name, j);
      jobGets.put(name, 0);
      return j.build();
    }
  }

  private BatchPredictionJob getJob(GetBatchPredictionJobRequest r) {
    synchronized (lock) {
      BatchPredictionJob.Builder j = jobs.get(r.getName());
      if (j == null) {
        throw Status.NOT_FOUND
            .withDescription("job " + r.getName() + " not found")
            .asRuntimeException();
      }
      int gets = jobGets.merge(r.getName(), 1, Integer::sum);
      if (j.getState() == JobState.JOB_STATE_PENDING
          || j.getState() == JobState.JOB_STATE_RUNNING) {
        if (gets >= jobPolls) {
          j.setState(JobState.JOB_STATE_SUCCEEDED);
          if (j.getOutputConfig().hasGcsDestination()) {
            j.getOutputInfoBuilder()
                .setGcsOutputDirectory(
                    j.getOutputConfig().getGcsDestination().getOutputUriPrefix()
                        + "/prediction-"
                        + j.getDisplayName());
          } else {
            j.getOutputInfoBuilder()
                .setBigqueryOutputDataset(
                    j.getOutputConfig().getBigqueryDestination().getOutputUri()
                        + ".prediction_"
                        + j.getDisplayName());
          }
        } else {
          j.setState(JobState.JOB_STATE_RUNNING);
        }
      }
      return j.build();
    }
  }

  private ListBatchPredictionJobsResponse listJobs(ListBatchPredictionJobsRequest r) {
    synchronized (lock) {
      ListBatchPredictionJobsResponse.Builder b = ListBatchPredictionJobsResponse.newBuilder();
      String wanted = r.getFilter().replaceAll("^display_name=\"(.*)\"$", "$1");
      jobs.values().stream()
          .filter(j -> r.getFilter().isEmpty() || j.getDisplayName().equals(wanted))
          .forEach(j -> b.addBatchPredictionJobs(j.build()));
      return b.build();
    }
  }

  private Empty cancelJob(CancelBatchPredictionJobRequest r) {
    synchronized (lock) {
      BatchPredictionJob.Builder j = jobs.get(r.getName());
      if (j == null) {
        throw Status.NOT_FOUND
            .withDescription("job " + r.getName() + " not found")
            .asRuntimeException();
      }
      j.setState(JobState.JOB_STATE_CANCELLED);
      return Empty.getDefaultInstance();
    }
  }

  // ---------------------------------------------------------------- operations

  private static final class Op {
    final long doneAt;
    final Any metadata;
    final Supplier<Message> completion;
    Operation finished;

    Op(long doneAt, Any metadata, Supplier<Message> completion) {
      this.doneAt = doneAt;
      this.metadata = metadata;
      this.completion = completion;
    }
  }

  private Operation start(Message metadata, Supplier<Message> completion) {
    String name = "projects/test/locations/us-central1/operations/" + ids.incrementAndGet();
    operations.put(
        name,
        new Op(System.nanoTime() + operationLatency.toNanos(), Any.pack(metadata), completion));
    return Operation.newBuilder().setName(name).setMetadata(Any.pack(metadata)).build();
  }

  private Operation getOperation(GetOperationRequest r) {
    synchronized (lock) {
      Op op = operations.get(r.getName());
      if (op == null) {
        throw Status.NOT_FOUND
            .withDescription("operation " + r.getName() + " not found")
            .asRuntimeException();
      }
      if (op.finished != null) {
        return op.finished;
      }
      if (System.nanoTime() - op.doneAt < 0) {
        return Operation.newBuilder().setName(r.getName()).setMetadata(op.metadata).build();
      }
      Operation.Builder done =
          Operation.newBuilder().setName(r.getName()).setMetadata(op.metadata).setDone(true);
      try {
        done.setResponse(Any.pack(op.completion.get()));
      } catch (StatusRuntimeException e) {
        done.setError(
            com.google.rpc.Status.newBuilder()
                .setCode(e.getStatus().getCode().value())
                .setMessage(String.valueOf(e.getStatus().getDescription())));
      }
      op.finished = done.build();
      return op.finished;
    }
  }

  private Endpoint.Builder requireEndpoint(String name) {
    synchronized (lock) {
      Endpoint.Builder e = endpoints.get(name);
      if (e == null) {
        throw Status.NOT_FOUND
            .withDescription("Endpoint " + name + " not found")
            .asRuntimeException();
      }
      return e;
    }
  }

  private static Timestamp now() {
    long ms = System.currentTimeMillis();
    return Timestamp.newBuilder()
        .setSeconds(ms / 1000)
        .setNanos((int) (ms % 1000) * 1_000_000)
        .build();
  }

  // ---------------------------------------------------------------- plumbing

  /**
   * gax's channel provider for the fake: a fresh in-process channel per client, closed with the
   * client. (gax's LocalChannelProvider connects by registered name only.)
   */
  private record Channels(AnonymousInProcessSocketAddress address, ScheduledExecutorService timer)
      implements TransportChannelProvider {
    @Override
    public TransportChannel getTransportChannel() {
      InProcessChannelBuilder b = InProcessChannelBuilder.forAddress(address).usePlaintext();
      if (timer != null) {
        b.scheduledExecutorService(timer);
      }
      return GrpcTransportChannel.create(b.build());
    }

    @Override
    public boolean shouldAutoClose() {
      return true;
    }

    @Override
    public boolean needsExecutor() {
      return false;
    }

    @Override
    public TransportChannelProvider withExecutor(Executor executor) {
      return this;
    }

    @Override
    @Deprecated
    public TransportChannelProvider withExecutor(ScheduledExecutorService executor) {
      return this;
    }

    @Override
    public boolean needsHeaders() {
      return false;
    }

    @Override
    public TransportChannelProvider withHeaders(Map<String, String> headers) {
      return this;
    }

    @Override
    public boolean needsEndpoint() {
      return false;
    }

    @Override
    public TransportChannelProvider withEndpoint(String endpoint) {
      return this;
    }

    @Override
    @Deprecated
    public boolean acceptsPoolSize() {
      return false;
    }

    @Override
    @Deprecated
    public TransportChannelProvider withPoolSize(int size) {
      throw new UnsupportedOperationException("one channel per client");
    }

    @Override
    public boolean needsCredentials() {
      return false;
    }

    @Override
    public TransportChannelProvider withCredentials(com.google.auth.Credentials credentials) {
      return this;
    }

    @Override
    public String getTransportName() {
      return GrpcTransportChannel.getGrpcTransportName();
    }
  }

  /** One gRPC service: records requests, can be told to fail the next calls. */
  static final class Svc implements MockGrpcService {
    private final String service;
    private final ServerServiceDefinition.Builder definition;
    private final List<AbstractMessage> requests = Collections.synchronizedList(new ArrayList<>());
    private final Deque<Exception> failures = new ArrayDeque<>();
    private final Map<String, Optional<Duration>> deadlines = new ConcurrentHashMap<>();
    private final Map<String, Integer> cancelled = new ConcurrentHashMap<>();

    private final WireCalls wire;

    Svc(String service, WireCalls wire) {
      this.wire = wire;
      this.service = service;
      this.definition = ServerServiceDefinition.builder(service);
    }

    <Q extends Message, S extends Message> void unary(
        String method, Q request, S response, Function<Q, S> handler) {
      unaryAsync(
          method,
          request,
          response,
          (q, observer) -> {
            try {
              observer.onNext(handler.apply(q));
              observer.onCompleted();
            } catch (StatusRuntimeException e) {
              observer.onError(e);
            } catch (RuntimeException e) {
              observer.onError(
                  Status.INTERNAL.withDescription(e.toString()).withCause(e).asRuntimeException());
            }
          });
    }

    /** A unary method whose handler answers through the observer, possibly later. */
    <Q extends Message, S extends Message> void unaryAsync(
        String method, Q request, S response, BiConsumer<Q, StreamObserver<S>> handler) {
      MethodDescriptor<Q, S> descriptor =
          MethodDescriptor.<Q, S>newBuilder()
              .setType(MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(MethodDescriptor.generateFullMethodName(service, method))
              .setRequestMarshaller(ProtoUtils.marshaller(request))
              .setResponseMarshaller(ProtoUtils.marshaller(response))
              .build();
      definition.addMethod(
          descriptor,
          ServerCalls.asyncUnaryCall(
              (q, observer) -> {
                requests.add((AbstractMessage) q);
                ((io.grpc.stub.ServerCallStreamObserver<S>) observer)
                    .setOnCancelHandler(() -> cancelled.merge(method, 1, Integer::sum));
                Fault fault = wire == null ? null : wire.arrive(method);
                if (fault != null) {
                  Status status =
                      switch (fault.kind()) {
                        case THROTTLE ->
                            Status.RESOURCE_EXHAUSTED.withDescription("Quota exceeded");
                        case UNAVAILABLE -> Status.UNAVAILABLE.withDescription("unavailable");
                        default -> Status.INTERNAL.withDescription("Internal error");
                      };
                  observer.onError(status.asRuntimeException());
                  return;
                }
                io.grpc.Deadline deadline = io.grpc.Context.current().getDeadline();
                deadlines.put(
                    method,
                    Optional.ofNullable(deadline)
                        .map(d -> Duration.ofNanos(d.timeRemaining(TimeUnit.NANOSECONDS))));
                Exception failure;
                synchronized (failures) {
                  failure = failures.poll();
                }
                if (failure != null) {
                  observer.onError(failure);
                  return;
                }
                try {
                  handler.accept(q, observer);
                } catch (StatusRuntimeException e) {
                  observer.onError(e);
                } catch (RuntimeException e) {
                  observer.onError(
                      Status.INTERNAL
                          .withDescription(e.toString())
                          .withCause(e)
                          .asRuntimeException());
                }
              }));
    }

    /** A server-streaming method; the handler sends as the call's flow control allows. */
    <Q extends Message, S extends Message> void serverStreaming(
        String method, Q request, S response, BiConsumer<Q, StreamObserver<S>> handler) {
      MethodDescriptor<Q, S> descriptor =
          MethodDescriptor.<Q, S>newBuilder()
              .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(MethodDescriptor.generateFullMethodName(service, method))
              .setRequestMarshaller(ProtoUtils.marshaller(request))
              .setResponseMarshaller(ProtoUtils.marshaller(response))
              .build();
      definition.addMethod(
          descriptor,
          ServerCalls.asyncServerStreamingCall(
              (q, observer) -> {
                requests.add((AbstractMessage) q);
                handler.accept(q, observer);
              }));
    }

    /**
     * Returns the time the last call of a method had left when it arrived (its gRPC deadline), or
     * empty if it came without a deadline.
     */
    Optional<Duration> lastDeadline(String method) {
      Optional<Duration> d = deadlines.get(method);
      if (d == null) {
        throw new IllegalStateException(method + " was not called");
      }
      return d;
    }

    /** Returns how many calls of a method the client cancelled (gRPC CANCELLED on the server). */
    int cancellations(String method) {
      return cancelled.getOrDefault(method, 0);
    }

    /** Returns the requests of one type, in order. */
    <T extends AbstractMessage> List<T> requests(Class<T> type) {
      synchronized (requests) {
        return requests.stream().filter(type::isInstance).map(type::cast).toList();
      }
    }

    @Override
    public List<AbstractMessage> getRequests() {
      synchronized (requests) {
        return List.copyOf(requests);
      }
    }

    @Override
    public void addResponse(AbstractMessage response) {
      throw new UnsupportedOperationException("this fake answers from its state");
    }

    @Override
    public void addException(Exception exception) {
      synchronized (failures) {
        failures.add(exception);
      }
    }

    @Override
    public ServerServiceDefinition getServiceDefinition() {
      return definition.build();
    }

    @Override
    public void reset() {
      requests.clear();
      synchronized (failures) {
        failures.clear();
      }
    }
  }
}
