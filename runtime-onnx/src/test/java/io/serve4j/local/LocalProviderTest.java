package io.serve4j.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.Accelerator;
import io.serve4j.DeploymentDescription;
import io.serve4j.DeploymentSpec;
import io.serve4j.DeviceType;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.InvalidInputException;
import io.serve4j.Mirror;
import io.serve4j.Model;
import io.serve4j.ModelLoadException;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.UnsupportedCapabilityException;
import io.serve4j.testkit.ContractModels;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Behaviour of the local provider beyond the shared contract. */
class LocalProviderTest {
  private final LocalStatistics stats = new LocalStatistics();
  private ServingClient client;
  @TempDir Path dir;

  @BeforeEach
  void open() {
    client = Serve4j.client(LocalOptions.builder().isolated(true).statistics(stats).build());
  }

  @AfterEach
  void close() {
    client.close();
  }

  // ---------------------------------------------------------------- finding the provider

  @Test
  void client_byIdAndByUri_isTheLocalProviderWithItsCapabilities() {
    try (ServingClient byId = Serve4j.client("local");
        ServingClient byUri = Serve4j.client(URI.create("local:/"));
        ServingClient byTripleSlash = Serve4j.client(URI.create("local:///"))) {
      assertThat(byTripleSlash.providerId()).isEqualTo("local");
      assertThat(byId.providerId()).isEqualTo("local");
      assertThat(byUri.providerId()).isEqualTo("local");
      assertThat(byId.capabilities())
          .contains(
              io.serve4j.Capability.TRAFFIC_SPLIT,
              io.serve4j.Capability.SHADOW,
              io.serve4j.Capability.GPU,
              io.serve4j.Capability.DYNAMIC_BATCHING)
          .doesNotContain(io.serve4j.Capability.ASYNC_INFERENCE);
    }
    assertThat(Serve4j.providers()).contains("local");
  }

  @Test
  void client_whenUriCarriesSettings_throwsInvalidInput() {
    assertThatThrownBy(() -> Serve4j.client(URI.create("local:threads=4")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("LocalOptions");
  }

  @Test
  void clients_shareEndpointsByDefault_untilTheLastOneCloses() {
    ServingClient a = Serve4j.client("local");
    ServingClient b = Serve4j.client("local");
    try {
      a.deploy(EndpointSpec.of("shared", ContractModels.reluOnClasspath())).await();
      assertRelu(b.endpoint("shared").predict(ContractModels.reluRequest(-1, 3)), -1, 3);
    } finally {
      a.close();
    }
    assertRelu(b.endpoint("shared").predict(ContractModels.reluRequest(2, -2)), 2, -2);
    b.close();
    try (ServingClient c = Serve4j.client("local")) {
      assertThat(c.listEndpoints()).extracting(e -> e.name()).doesNotContain("shared");
    }
  }

  // ---------------------------------------------------------------- deploy

  @Test
  void deploy_fromFileUriAndPlainPath_servesTheModel() {
    Path file = ContractModels.copyReluTo(dir);
    Endpoint byUri = deploy("by-uri", Model.onnx("relu", file));
    Endpoint byPath =
        deploy(
            "by-path", Model.builder().name("relu").artifact(URI.create(file.toString())).build());
    assertRelu(byUri.predict(ContractModels.reluRequest(-5, 5)), -5, 5);
    assertRelu(byPath.predict(ContractModels.reluRequest(7, -7)), 7, -7);
    assertThat(byPath.describe().deployments().get(0).details())
        .containsEntry("artifact", file.toString());
  }

  @Test
  void deploy_whenSha256Matches_loads_andWhenItDiffers_throwsModelLoadBeforeLoading()
      throws Exception {
    Path file = ContractModels.copyReluTo(dir);
    String sha =
        HexFormat.of()
            .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    Endpoint ok = deploy("sha-ok", Model.onnx("relu", file).toBuilder().sha256(sha).build());
    assertThat(ok.describe().deployments().get(0).details()).containsEntry("sha256", sha);

    String wrong = "0".repeat(64);
    assertThatThrownBy(
            () -> deploy("sha-bad", Model.onnx("relu", file).toBuilder().sha256(wrong).build()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining(sha)
        .hasMessageContaining(wrong);
    assertThat(client.listEndpoints()).extracting(e -> e.name()).doesNotContain("sha-bad");
  }

  @Test
  void deploy_whenFileMissing_throwsModelLoadWithThePathAndTheReason() {
    Path missing = dir.resolve("nope.onnx");
    assertThatThrownBy(() -> deploy("missing", Model.onnx("nope", missing)))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("NoSuchFileException");
  }

  @Test
  void deploy_whenFileIsNotAModel_throwsModelLoadWithOnnxRuntimesMessage() throws Exception {
    Path corrupt = Files.writeString(dir.resolve("corrupt.onnx"), "this is not protobuf");
    assertThatThrownBy(() -> deploy("corrupt", Model.onnx("corrupt", corrupt)))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining(corrupt.toString())
        .hasMessageContaining("ORT_INVALID_PROTOBUF");
  }

  @Test
  void deploy_whenOperatorUnknown_throwsModelLoadNamingIt() throws Exception {
    byte[] model = ContractModels.reluBytes();
    byte[] relu = "Relu".getBytes(StandardCharsets.US_ASCII);
    int at = indexOf(model, relu);
    assertThat(at).isPositive();
    model[at + 3] = 'x'; // the node's op_type becomes "Relx"
    Path file = Files.write(dir.resolve("relx.onnx"), model);
    assertThatThrownBy(() -> deploy("relx", Model.onnx("relx", file)))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("Relx");
  }

  @Test
  void deploy_whenOpsetUnsupported_throwsModelLoad() throws Exception {
    byte[] model = ContractModels.reluBytes();
    // The file ends with its opset import {domain "", version 9}: 0x42 0x04 0x0a 0x00 0x10 0x09.
    assertThat(model[model.length - 2]).isEqualTo((byte) 0x10);
    model[model.length - 1] = 0x7f; // opset 127
    Path file = Files.write(dir.resolve("opset127.onnx"), model);
    assertThatThrownBy(() -> deploy("opset", Model.onnx("opset", file)))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("127");
  }

  @Test
  void deploy_whenArtifactIsRemote_throwsInvalidInputBeforeLoading() {
    Model s3 = Model.builder().name("relu").artifact("s3://bucket/relu.onnx").build();
    assertThatThrownBy(() -> deploy("remote", s3))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("s3");
  }

  @Test
  void deploy_withEverySessionOption_servesTheModel_andCachesTheOptimisedGraph() {
    Path cache = dir.resolve("cache");
    LocalOptions tuned =
        LocalOptions.builder()
            .isolated(true)
            .intraOpThreads(1)
            .interOpThreads(1)
            .optimizationLevel(LocalOptions.OptimizationLevel.EXTENDED)
            .executionMode(LocalOptions.ExecutionMode.PARALLEL)
            .memoryArena(false)
            .memoryPattern(false)
            .optimizedModelCache(cache)
            .warmUpRuns(3)
            .statistics(stats)
            .build();
    try (ServingClient c = Serve4j.client(tuned)) {
      Endpoint first = c.deploy(EndpointSpec.of("first", ContractModels.reluOnClasspath())).await();
      assertThat(first.describe().deployments().get(0).details().get("optimizedModelCache"))
          .startsWith("written: ");
      Endpoint second =
          c.deploy(EndpointSpec.of("second", ContractModels.reluOnClasspath())).await();
      assertThat(second.describe().deployments().get(0).details().get("optimizedModelCache"))
          .startsWith("hit: ");
      assertRelu(second.predict(ContractModels.reluRequest(-1, 1)), -1, 1);
    }
    assertThat(stats.warmUpRuns()).isEqualTo(6);
  }

  // ---------------------------------------------------------------- GPU

  @Test
  void deploy_gpuWithFallback_runsOnCpu_andSaysWhyNoGpuProviderWasUsed() {
    EndpointSpec spec = gpuSpec("gpu-fallback");
    Endpoint e = client.deploy(spec).await();
    DeploymentDescription d = e.describe().deployments().get(0);
    assertThat(d.details()).containsEntry("executionProvider", "CPU");
    assertThat(d.details().get("executionProviderDiagnostic"))
        .contains("fallback")
        .contains("CUDA")
        .contains("TensorRT");
    assertRelu(e.predict(ContractModels.reluRequest(-3, 3)), -3, 3);
  }

  @Test
  void deploy_gpuWithFailPolicy_throwsUnsupportedCapabilityWithTheDiagnostic() {
    try (ServingClient strict =
        Serve4j.client(
            LocalOptions.builder()
                .isolated(true)
                .gpuFallback(LocalOptions.GpuFallback.FAIL)
                .build())) {
      assertThatThrownBy(() -> strict.deploy(gpuSpec("gpu-strict")).await())
          .isInstanceOf(UnsupportedCapabilityException.class)
          .hasMessageContaining("CUDA")
          .hasMessageContaining("FALLBACK_TO_CPU");
      assertThat(strict.listEndpoints()).isEmpty();
    }
  }

  // ---------------------------------------------------------------- predict

  @Test
  void predict_withHeapBackedTensor_copiesItOnce_andAnswers() {
    Endpoint e = deploy("heap", ContractModels.reluOnClasspath());
    java.nio.ByteBuffer heap =
        java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    heap.putFloat(0, -2f).putFloat(4, 6f);
    io.serve4j.Tensor x =
        io.serve4j.Tensor.wrap("x", io.serve4j.DataType.FP32, io.serve4j.Shape.of(1, 2), heap);
    assertThat(x.buffer().isDirect()).isFalse();
    assertRelu(e.predict(InferenceRequest.of(x)), -2, 6);
  }

  @Test
  void predict_outputOfOneEndpoint_feedsAnother() {
    Endpoint first = deploy("chain-a", ContractModels.reluOnClasspath());
    Endpoint second = deploy("chain-b", ContractModels.reluOnClasspath());
    io.serve4j.Tensor y = first.predict(ContractModels.reluRequest(-1, 4)).output("y");
    assertRelu(second.predict(InferenceRequest.of(y.withName("x"))), 0, 4);
  }

  @Test
  void predict_afterDelete_throwsNotFound() {
    Endpoint e = deploy("gone", ContractModels.reluOnClasspath());
    e.predict(ContractModels.reluRequest(1, 1));
    e.delete().await();
    assertThatThrownBy(() -> e.predict(ContractModels.reluRequest(1, 1)))
        .isInstanceOf(io.serve4j.NotFoundException.class);
  }

  // ---------------------------------------------------------------- routing

  @Test
  void predict_followsTrafficWeights_andPinnedDeploymentBypassesThem() {
    EndpointSpec spec =
        EndpointSpec.builder()
            .name("split")
            .deployment(DeploymentSpec.of("blue", ContractModels.reluOnClasspath()))
            .deployment(DeploymentSpec.of("green", ContractModels.reluOnClasspath()))
            .traffic(Map.of("blue", 70, "green", 30))
            .build();
    Endpoint e = client.deploy(spec).await();
    int green = 0;
    for (int i = 0; i < 2000; i++) {
      if (e.predict(ContractModels.reluRequest(i, -i)).deployment().orElseThrow().equals("green")) {
        green++;
      }
    }
    // 600 expected; the bounds are 5 standard deviations (20.5) away.
    assertThat(green).isBetween(500, 700);

    InferenceRequest pinned =
        ContractModels.reluRequest(1, 2).toBuilder().targetDeployment("green").build();
    for (int i = 0; i < 50; i++) {
      assertThat(e.predict(pinned).deployment()).contains("green");
    }
    e.shiftTraffic(Map.of("blue", 0, "green", 100)).await();
    for (int i = 0; i < 50; i++) {
      assertThat(e.predict(ContractModels.reluRequest(1, 2)).deployment()).contains("green");
    }
  }

  @Test
  void predict_mirrorsToTheShadow_whoseAnswerNeverReachesTheCaller() throws Exception {
    EndpointSpec spec =
        EndpointSpec.builder()
            .name("shadowed")
            .deployment(DeploymentSpec.of("live", ContractModels.reluOnClasspath()))
            .deployment(DeploymentSpec.of("shadow", ContractModels.reluOnClasspath()))
            .traffic(Map.of("live", 100))
            .mirror(new Mirror("shadow", 100))
            .build();
    Endpoint e = client.deploy(spec).await();
    for (int i = 0; i < 20; i++) {
      assertThat(e.predict(ContractModels.reluRequest(i, 1)).deployment()).contains("live");
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (stats.shadowRuns() + stats.shadowDropped() < 20 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(stats.shadowRuns() + stats.shadowDropped()).isEqualTo(20);
    assertThat(stats.runs()).isEqualTo(20);
  }

  @Test
  void update_swapsDeployments_andKeepsServingDuringTheSwap() {
    Endpoint e = deploy("swap", ContractModels.reluOnClasspath());
    EndpointSpec next =
        EndpointSpec.builder()
            .name("swap")
            .deployment(DeploymentSpec.of("v2", ContractModels.reluOnClasspath()))
            .build();
    e.update(next).await();
    assertThat(e.describe().deployments()).extracting(d -> d.name()).containsExactly("v2");
    assertThat(e.predict(ContractModels.reluRequest(4, -4)).deployment()).contains("v2");
  }

  @Test
  void update_whilePredictionsRunOnFourThreads_neverFailsOrFreesASessionUnderARun()
      throws Exception {
    Endpoint e = deploy("busy", ContractModels.reluOnClasspath());
    java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<Integer>> workers = new java.util.ArrayList<>();
      for (int t = 0; t < 4; t++) {
        workers.add(
            pool.submit(
                () -> {
                  int n = 0;
                  while (!stop.get()) {
                    assertRelu(e.predict(ContractModels.reluRequest(-n, n)), -n, n);
                    n++;
                  }
                  return n;
                }));
      }
      for (int v = 2; v <= 6; v++) {
        e.update(
                EndpointSpec.builder()
                    .name("busy")
                    .deployment(DeploymentSpec.of("v" + v, ContractModels.reluOnClasspath()))
                    .build())
            .await();
      }
      stop.set(true);
      int total = 0;
      for (java.util.concurrent.Future<Integer> w : workers) {
        total += w.get(30, TimeUnit.SECONDS);
      }
      assertThat(total).isPositive();
      assertThat(e.describe().deployments()).extracting(d -> d.name()).containsExactly("v6");
    } finally {
      stop.set(true);
      pool.shutdownNow();
    }
  }

  /**
   * Deleting an endpoint while four threads predict on it: every prediction is answered right or
   * fails typed (NOT_FOUND once the endpoint is gone; UNAVAILABLE for a request still queued in a
   * batcher that closed), none runs on a freed session (ONNX Runtime's Java API would fail it:
   * MODEL_ERROR), none hangs, and a prediction after the delete is NOT_FOUND. With and without
   * dynamic batching (where a caller's reference is given back by the thread that completes it).
   */
  @Test
  void delete_whilePredictionsRunOnFourThreads_failsThemTypedAndNeverFreesASessionUnderARun()
      throws Exception {
    io.serve4j.Model mlp =
        io.serve4j.Model.builder()
            .name("mlp")
            .artifact("classpath:models/mlp-dynamic-batch.onnx")
            .build();
    InferenceRequest request =
        InferenceRequest.of(
            io.serve4j.Tensor.ofFloats("x", new long[] {1, 4}, new float[] {1, -2, 3, -4}));
    float[] want = deploy("mlp-reference", mlp).predict(request).output("y").asFloats();
    for (boolean batched : new boolean[] {false, true}) {
      for (int round = 0; round < 5; round++) {
        String name = "deleted-" + batched + "-" + round;
        DeploymentSpec.Builder deployment = DeploymentSpec.builder().name("main").model(mlp);
        if (batched) {
          deployment.batching(io.serve4j.BatchingPolicy.of(8, java.time.Duration.ofMillis(1)));
        }
        Endpoint e =
            client
                .deploy(EndpointSpec.builder().name(name).deployment(deployment.build()).build())
                .await();
        java.util.concurrent.ExecutorService pool =
            java.util.concurrent.Executors.newFixedThreadPool(4);
        java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(4);
        try {
          List<java.util.concurrent.Future<Integer>> workers = new java.util.ArrayList<>();
          for (int t = 0; t < 4; t++) {
            workers.add(
                pool.submit(
                    () -> {
                      int n = 0;
                      while (true) {
                        try {
                          float[] got = e.predict(request).output("y").asFloats();
                          for (int k = 0; k < want.length; k++) {
                            assertThat(got[k])
                                .isCloseTo(want[k], org.assertj.core.data.Offset.offset(1e-6f));
                          }
                        } catch (io.serve4j.NotFoundException gone) {
                          return n;
                        } catch (io.serve4j.UnavailableException closing) {
                          if (!batched) {
                            throw closing;
                          }
                        }
                        if (n++ == 20) {
                          running.countDown();
                        }
                      }
                    }));
          }
          assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
          e.delete().await();
          for (java.util.concurrent.Future<Integer> w : workers) {
            assertThat(w.get(30, TimeUnit.SECONDS)).isGreaterThan(20);
          }
          assertThatThrownBy(() -> e.predict(request))
              .isInstanceOf(io.serve4j.NotFoundException.class);
        } finally {
          pool.shutdownNow();
        }
      }
    }
  }

  // ---------------------------------------------------------------- helpers

  private Endpoint deploy(String name, Model model) {
    return client.deploy(EndpointSpec.of(name, model)).await();
  }

  private static EndpointSpec gpuSpec(String name) {
    return EndpointSpec.builder()
        .name(name)
        .deployment(
            DeploymentSpec.builder()
                .name("gpu")
                .model(ContractModels.reluOnClasspath())
                .accelerator(Accelerator.gpu(DeviceType.NVIDIA_T4, 1))
                .build())
        .build();
  }

  private static void assertRelu(InferenceResponse r, float a, float b) {
    assertThat(r.output("y").asFloats()).containsExactly(Math.max(0, a), Math.max(0, b));
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
