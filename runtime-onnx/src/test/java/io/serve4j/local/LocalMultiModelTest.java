package io.serve4j.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.InvalidInputException;
import io.serve4j.Model;
import io.serve4j.NotFoundException;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Multi-model deployments on the local runtime: load on first use, LRU unload, typed misses. */
class LocalMultiModelTest {
  @TempDir Path models;
  private ServingClient client;
  private LocalStatistics stats;
  private long modelBytes;

  private void start(int modelsThatFit, String... names) throws Exception {
    modelBytes = ContractModels.reluBytes().length;
    for (String name : names) {
      Path file = models.resolve(name);
      Files.createDirectories(file.getParent());
      Files.write(file, ContractModels.reluBytes());
    }
    stats = new LocalStatistics();
    client =
        Serve4j.client(
            LocalOptions.builder()
                .isolated(true)
                .statistics(stats)
                .multiModelMemoryBudgetBytes(modelBytes * modelsThatFit + modelBytes / 2)
                .build());
    Model fleet = Model.builder().name("fleet").artifact(models.toUri()).multiModel(true).build();
    client.deploy(EndpointSpec.of("fleet", fleet)).await();
  }

  @AfterEach
  void close() {
    if (client != null) {
      client.close();
    }
  }

  private InferenceResponse predict(String target, float a) {
    return client
        .endpoint("fleet")
        .predict(ContractModels.reluRequest(a, -a).toBuilder().targetModel(target).build());
  }

  @Test
  void loadsEachModelOnFirstUseAndAnswersWithIt() throws Exception {
    start(10, "a.onnx", "team/b.onnx");
    assertThat(stats.multiModelLoads()).isZero();

    InferenceResponse r = predict("team/b.onnx", 3f);

    assertThat(r.output("y").asFloats()).containsExactly(3f, 0f);
    assertThat(r.modelName()).contains("team/b.onnx");
    assertThat(stats.multiModelLoads()).isEqualTo(1);
    predict("team/b.onnx", 1f);
    assertThat(stats.multiModelLoads()).isEqualTo(1);
    assertThat(stats.multiModelHits()).isEqualTo(1);
    assertThat(client.endpoint("fleet").describe().deployments().get(0).details())
        .containsEntry(
            "multiModelLoaded",
            "1 models, " + modelBytes + " of " + (modelBytes * 10 + modelBytes / 2) + " bytes");
  }

  @Test
  void unloadsTheLeastRecentlyUsedModelToStayWithinTheBudget() throws Exception {
    start(2, "a.onnx", "b.onnx", "c.onnx");
    predict("a.onnx", 1f);
    predict("b.onnx", 1f);
    predict("a.onnx", 1f); // a is now more recent than b
    predict("c.onnx", 1f); // evicts b, not a

    assertThat(stats.multiModelEvictions()).isEqualTo(1);
    long loads = stats.multiModelLoads();
    predict("a.onnx", 1f);
    assertThat(stats.multiModelLoads()).as("a stayed loaded").isEqualTo(loads);
    predict("b.onnx", 1f);
    assertThat(stats.multiModelLoads()).as("b was unloaded").isEqualTo(loads + 1);
    assertThat(stats.multiModelEvictions()).isEqualTo(2);
  }

  @Test
  void aModelInSteadyUseSurvivesAStreamOfOneOffRequests() throws Exception {
    start(2, "hot.onnx", "a.onnx", "b.onnx", "c.onnx", "d.onnx");
    predict("hot.onnx", 1f);
    predict("hot.onnx", 1f);
    for (String oneOff : List.of("a.onnx", "b.onnx", "c.onnx", "d.onnx")) {
      predict(oneOff, 1f); // plain LRU would unload hot here, hot being the least recent
    }
    long loads = stats.multiModelLoads();
    predict("hot.onnx", 1f);
    assertThat(stats.multiModelLoads()).as("hot stayed loaded").isEqualTo(loads);
  }

  @Test
  void concurrentFirstRequestsLoadAModelOnce() throws Exception {
    start(4, "a.onnx");
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Callable<InferenceResponse>> calls = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        float v = i + 1;
        calls.add(() -> predict("a.onnx", v));
      }
      List<Future<InferenceResponse>> answers = pool.invokeAll(calls);
      for (int i = 0; i < answers.size(); i++) {
        assertThat(answers.get(i).get().output("y").asFloats()).containsExactly(i + 1f, 0f);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(stats.multiModelLoads()).isEqualTo(1);
  }

  @Test
  void aMissingModelIsNotFoundNamingIt() throws Exception {
    start(2, "a.onnx");
    Files.createDirectories(models.resolve("sub"));
    assertThatThrownBy(() -> predict("nope.onnx", 1f))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("nope.onnx")
        .hasMessageContaining("fleet");
    assertThatThrownBy(() -> predict("sub", 1f)).isInstanceOf(NotFoundException.class);
    assertThat(stats.multiModelLoads()).isZero();
  }

  @Test
  void aLinkOutOfTheDirectoryIsNotFollowed(@TempDir Path outside) throws Exception {
    start(2, "a.onnx");
    Path secret = outside.resolve("secret.onnx");
    Files.write(secret, ContractModels.reluBytes());
    Files.createSymbolicLink(models.resolve("escape.onnx"), secret);
    assertThatThrownBy(() -> predict("escape.onnx", 1f)).isInstanceOf(NotFoundException.class);
  }

  @Test
  void aModelLargerThanTheBudgetIsRefusedTyped() throws Exception {
    start(1, "a.onnx");
    Files.write(models.resolve("big.onnx"), new byte[(int) (modelBytes * 2)]);
    assertThatThrownBy(() -> predict("big.onnx", 1f))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("big.onnx")
        .hasMessageContaining("multiModelMemoryBudgetBytes");
  }

  @Test
  void aRequestMustNameAModelOnAMultiModelDeploymentAndOnlyThere() throws Exception {
    start(2, "a.onnx");
    assertThatThrownBy(() -> client.endpoint("fleet").predict(ContractModels.reluRequest(1, 2)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("targetModel");
    client
        .deploy(EndpointSpec.of("single", ContractModels.relu(models.resolve("a.onnx").toUri())))
        .await();
    InferenceRequest targeted =
        ContractModels.reluRequest(1, 2).toBuilder().targetModel("a.onnx").build();
    assertThatThrownBy(() -> client.endpoint("single").predict(targeted))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("only for multi-model");
  }

  @Test
  void aMultiModelArtifactMustBeADirectory() throws Exception {
    start(2, "a.onnx");
    Model notDir =
        Model.builder()
            .name("fleet2")
            .artifact(models.resolve("a.onnx").toUri())
            .multiModel(true)
            .build();
    assertThatThrownBy(() -> client.deploy(EndpointSpec.of("fleet2", notDir)).await())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("directory");
  }
}
