package io.serve4j.azure.internal;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.serve4j.Accelerator;
import io.serve4j.BatchJobDescription;
import io.serve4j.BatchJobSpec;
import io.serve4j.BatchJobStatus;
import io.serve4j.DeploymentSpec;
import io.serve4j.DeviceType;
import io.serve4j.Endpoint;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceResponse;
import io.serve4j.Mirror;
import io.serve4j.Model;
import io.serve4j.NotFoundException;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.azure.ScoringAuthMode;
import io.serve4j.protocol.OipJson;
import io.serve4j.spi.formats.SignatureJson;
import io.serve4j.spi.formats.TritonRepository;
import io.serve4j.testkit.ContractModels;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Register -> create endpoint -> create deployments on a GPU SKU -> traffic 90/10 with a mirror ->
 * invoke -> batch job -> delete, through azure-core's real pipeline (retry policy, bearer-token
 * policy with a static credential) against WireMock stubs built from Azure ML's own REST examples,
 * long-running operations included (201 + Azure-AsyncOperation: InProgress, then Succeeded; 202 +
 * Location). Request paths, api-version and bodies are checked against the examples.
 */
class AzureLifecycleTest {
  private static final String WS =
      "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/test-rg/providers"
          + "/Microsoft.MachineLearningServices/workspaces/my-aml-workspace";
  private static final String EP = "testEndpointName";
  private static final String EP_PATH = WS + "/onlineEndpoints/" + EP;
  private static final String AUTOSCALE =
      "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/test-rg/providers"
          + "/Microsoft.Insights/autoscalesettings/";
  private static final String BATCH_EP = "score-nightly";
  private static final String BATCH_PATH = WS + "/batchEndpoints/" + BATCH_EP;
  private static final String AML_TOKEN = "aml-SECRET-token-42";
  private static final String GPU_SKU = "Standard_NC4as_T4_v3";
  // azure-storage-blob sends '/' inside blob names percent-encoded, as the service accepts it
  private static final String ONNX_BLOB =
      "/fakeaccount/azureml-blobstore/serve4j%2Fmodels%2Frelu%2F1%2Frelu%2F1%2Fmodel.onnx";
  private static final String CONFIG_BLOB =
      "/fakeaccount/azureml-blobstore/serve4j%2Fmodels%2Frelu%2F1%2Frelu%2Fconfig.pbtxt";
  private static final List<String> DEPLOYMENTS = List.of("blue", "green", "shadow");

  private WireMockServer wm;
  private String base;

  @BeforeEach
  void start() {
    wm = new WireMockServer(options().httpDisabled(true).dynamicHttpsPort());
    wm.start();
    base = "https://localhost:" + wm.httpsPort();
  }

  @AfterEach
  void stop() {
    wm.stop();
  }

  @Test
  void lifecycle_registerDeployGpuSplitMirrorInvokeBatchDelete_matchesTheRestExamples() {
    stubWorkspace();
    stubModelRegistration();
    stubOnlineEndpoint();
    DEPLOYMENTS.forEach(this::stubDeployment);
    stubDeploymentList();
    stubScoring();
    stubBatch();
    wm.stubFor(
        delete(urlPathMatching(AUTOSCALE + ".*"))
            .withQueryParam("api-version", equalTo("2022-10-01"))
            .willReturn(aResponse().withStatus(204)));

    TestSupport.StaticCredential credential = new TestSupport.StaticCredential();
    try (ServingClient client =
        Serve4j.builder()
            .options(
                TestSupport.options(URI.create(base), credential, TestSupport.insecureHttpClient())
                    .scoringAuthMode(ScoringAuthMode.AML_TOKEN)
                    .environment(TestSupport.BATCH_ENV)
                    .build())
            .operationTimeout(Duration.ofSeconds(60))
            .build()) {
      Model relu = ContractModels.reluOnClasspath();
      Accelerator t4 = Accelerator.gpu(DeviceType.NVIDIA_T4, 1);
      EndpointSpec spec =
          EndpointSpec.builder()
              .name(EP)
              .deployment(DeploymentSpec.builder().name("blue").model(relu).accelerator(t4).build())
              .deployment(
                  DeploymentSpec.builder().name("green").model(relu).accelerator(t4).build())
              .deployment(DeploymentSpec.of("shadow", relu))
              .traffic(Map.of("blue", 90, "green", 10))
              .mirror(new Mirror("shadow", 10))
              .build();

      Endpoint endpoint = client.deploy(spec).await();

      EndpointDescription d = endpoint.describe();
      assertThat(d.traffic()).containsExactlyInAnyOrderEntriesOf(Map.of("blue", 90, "green", 10));
      assertThat(d.mirror()).contains(new Mirror("shadow", 10));
      assertThat(d.url()).contains(URI.create(base + "/score"));
      assertThat(d.deployment("blue").orElseThrow().instanceType()).contains(GPU_SKU);
      assertThat(d.deployment("blue").orElseThrow().signature())
          .contains(ContractModels.RELU_SIGNATURE);

      InferenceResponse r = endpoint.predict(ContractModels.reluRequest(-1.5f, 2.5f));
      assertThat(r.output("y").asFloats()).containsExactly(0f, 2.5f);
      assertThat(r.deployment()).contains("blue");
      InferenceResponse pinned =
          endpoint.predict(
              ContractModels.reluRequest(-1.5f, 2.5f).toBuilder()
                  .targetDeployment("green")
                  .build());
      assertThat(pinned.deployment()).contains("green");

      BatchJobDescription job =
          client
              .submitBatchJob(
                  BatchJobSpec.builder()
                      .name("score-nightly")
                      .model(relu)
                      .input(URI.create("azureml://datastores/workspaceblobstore/paths/in/"))
                      .output(URI.create("azureml://datastores/workspaceblobstore/paths/out/"))
                      .instances(2)
                      .build())
              .await();
      assertThat(job.status()).isEqualTo(BatchJobStatus.SUCCEEDED);
      assertThat(job.details()).containsEntry("azureJobName", "batchjob-1");

      endpoint.delete().await();
      assertThatThrownBy(endpoint::describe).isInstanceOf(NotFoundException.class);
    }

    assertEveryArmCallCarriesApiVersionAndArmToken();
    assertLongRunningOperationsWerePolledUntilSucceeded();
    assertModelUploadedInTritonLayoutAndRegistered();
    assertEndpointBodiesMatchTheExample();
    assertDeploymentBodiesMatchTheExample();
    assertScoringCallsCarriedTokenAndPin();
    assertBatchBodiesMatchTheExamples();
    wm.verify(1, deleteRequestedFor(urlPathEqualTo(EP_PATH)));
    wm.verify(1, deleteRequestedFor(urlPathEqualTo(BATCH_PATH)));
    // No deployment autoscales here: deleting the endpoint looks for their settings, finds none.
    for (String d : DEPLOYMENTS) {
      wm.verify(1, deleteRequestedFor(urlPathEqualTo(AUTOSCALE + "serve4j-" + EP + "-" + d)));
    }
    wm.verify(0, postRequestedFor(urlPathEqualTo(WS + "/jobs/batchjob-1/cancel")));
    assertThat(credential.armRequests.get()).isPositive();
  }

  // ---------------------------------------------------------------- assertions

  private void assertEveryArmCallCarriesApiVersionAndArmToken() {
    List<LoggedRequest> arm =
        wm.getAllServeEvents().stream()
            .map(ServeEvent::getRequest)
            .filter(q -> q.getUrl().startsWith("/subscriptions/") || q.getUrl().startsWith("/ops/"))
            .toList();
    assertThat(arm).hasSizeGreaterThan(30);
    assertThat(arm)
        .allSatisfy(
            q -> {
              // Azure Monitor's autoscale settings speak their own provider's api-version.
              assertThat(q.queryParameter("api-version").firstValue())
                  .isEqualTo(
                      q.getUrl().contains("/providers/Microsoft.Insights/")
                          ? "2022-10-01"
                          : "2025-12-01");
              assertThat(q.getHeader("Authorization")).isEqualTo("Bearer static-arm-token");
              assertThat(q.getHeader("x-ms-client-request-id")).isNotBlank();
            });
  }

  private void assertLongRunningOperationsWerePolledUntilSucceeded() {
    for (String op :
        List.of(
            "ep-create",
            "ep-traffic",
            "dep-blue",
            "dep-green",
            "dep-shadow",
            "batch-ep",
            "batch-dep",
            "batch-default")) {
      wm.verify(2, getRequestedFor(urlPathEqualTo("/ops/" + op)));
    }
    wm.verify(2, getRequestedFor(urlPathEqualTo("/ops/ep-delete")));
  }

  private void assertModelUploadedInTritonLayoutAndRegistered() {
    LoggedRequest onnx = only("PUT", ONNX_BLOB);
    assertThat(onnx.getBody()).isEqualTo(ContractModels.reluBytes());
    assertThat(onnx.getHeader("x-ms-blob-type")).isEqualTo("BlockBlob");
    LoggedRequest config = only("PUT", CONFIG_BLOB);
    assertThat(config.getBodyAsString())
        .contains("name: \"relu\"")
        .isEqualTo(TritonRepository.config("relu", ContractModels.RELU_SIGNATURE, null, null))
        .contains("backend: \"onnxruntime\"")
        .contains("name: \"x\"\n    data_type: TYPE_FP32\n    dims: [ 1, 2 ]");
    JsonNode model = json(only("PUT", WS + "/models/relu/versions/1"));
    assertThat(model.at("/properties/modelType").asText()).isEqualTo("triton_model");
    assertThat(model.at("/properties/modelUri").asText())
        .isEqualTo(
            "azureml://subscriptions/00000000-1111-2222-3333-444444444444/resourcegroups/test-rg"
                + "/workspaces/my-aml-workspace/datastores/workspaceblobstore/paths/serve4j/models/relu/1");
  }

  private void assertEndpointBodiesMatchTheExample() {
    List<JsonNode> puts = bodies("PUT", EP_PATH);
    assertThat(puts).hasSize(2);
    Set<String> allowed =
        new TreeSet<>(
            Examples.paths(Examples.request("Workspace/OnlineEndpoint/createOrUpdate.json")));
    // mirrorTraffic is OnlineEndpointProperties.mirrorTraffic in mfe.json; the example omits it.
    allowed.add("properties.mirrorTraffic");
    allowed.add("properties.mirrorTraffic.*");
    for (JsonNode body : puts) {
      assertThat(allowed).containsAll(Examples.paths(body));
      assertThat(body.at("/properties/authMode").asText()).isEqualTo("AMLToken");
      assertThat(body.at("/location").asText()).isEqualTo("westeurope");
    }
    assertThat(puts.get(0).at("/properties/traffic").size()).isZero();
    assertThat(puts.get(1).at("/properties/traffic/blue").asInt()).isEqualTo(90);
    assertThat(puts.get(1).at("/properties/traffic/green").asInt()).isEqualTo(10);
    assertThat(puts.get(1).at("/properties/mirrorTraffic/shadow").asInt()).isEqualTo(10);
  }

  private void assertDeploymentBodiesMatchTheExample() {
    Set<String> allowed =
        Examples.paths(
            Examples.request("OnlineDeployment/ManagedOnlineDeployment/createOrUpdate.json"));
    for (String name : DEPLOYMENTS) {
      JsonNode body = json(only("PUT", EP_PATH + "/deployments/" + name));
      assertThat(allowed).containsAll(Examples.paths(body));
      assertThat(body.at("/properties/endpointComputeType").asText()).isEqualTo("Managed");
      assertThat(body.at("/properties/model").asText()).isEqualTo(WS + "/models/relu/versions/1");
      assertThat(body.at("/properties/scaleSettings/scaleType").asText()).isEqualTo("Default");
      assertThat(body.at("/properties/requestSettings/requestTimeout").asText()).isEqualTo("PT1M");
      assertThat(body.at("/properties/requestSettings/maxConcurrentRequestsPerInstance").asInt())
          .isEqualTo(1);
      assertThat(body.at("/sku/capacity").asInt()).isEqualTo(1);
      assertThat(body.at("/properties/properties/serve4j.tritonModel").asText()).isEqualTo("relu");
    }
    assertThat(
            json(only("PUT", EP_PATH + "/deployments/blue"))
                .at("/properties/instanceType")
                .asText())
        .isEqualTo(GPU_SKU);
    assertThat(
            json(only("PUT", EP_PATH + "/deployments/shadow"))
                .at("/properties/instanceType")
                .asText())
        .isEqualTo("Standard_DS2_v2");
  }

  private void assertScoringCallsCarriedTokenAndPin() {
    List<LoggedRequest> scoring = requests("POST", "/v2/models/relu/infer");
    assertThat(scoring).hasSize(2);
    assertThat(scoring)
        .allSatisfy(q -> assertThat(q.getHeader("Authorization")).isEqualTo("Bearer " + AML_TOKEN));
    assertThat(scoring.get(0).containsHeader("azureml-model-deployment")).isFalse();
    assertThat(scoring.get(1).getHeader("azureml-model-deployment")).isEqualTo("green");
    assertThat(OipJson.readRequest(scoring.get(0).getBody()).input("x")).isPresent();
    wm.verify(postRequestedFor(urlPathEqualTo(EP_PATH + "/token")));
  }

  private void assertBatchBodiesMatchTheExamples() {
    Set<String> endpointAllowed =
        Examples.paths(Examples.request("Workspace/BatchEndpoint/createOrUpdate.json"));
    List<JsonNode> endpointPuts = bodies("PUT", BATCH_PATH);
    assertThat(endpointPuts).hasSize(2);
    endpointPuts.forEach(b -> assertThat(endpointAllowed).containsAll(Examples.paths(b)));
    assertThat(endpointPuts.get(1).at("/properties/defaults/deploymentName").asText())
        .isEqualTo("serve4j");

    JsonNode dep = json(only("PUT", BATCH_PATH + "/deployments/serve4j"));
    assertThat(Examples.paths(Examples.request("Workspace/BatchDeployment/createOrUpdate.json")))
        .containsAll(Examples.paths(dep));
    assertThat(dep.at("/properties/compute").asText()).isEqualTo(WS + "/computes/cpu-cluster");
    assertThat(dep.at("/properties/model/referenceType").asText()).isEqualTo("Id");
    assertThat(dep.at("/properties/model/assetId").asText())
        .isEqualTo(WS + "/models/relu/versions/1");
    assertThat(dep.at("/properties/resources/instanceCount").asInt()).isEqualTo(2);
    // An ONNX model runs in batch only with a scoring script and an environment (issue 16, 7).
    assertThat(dep.at("/properties/codeConfiguration/codeId").asText())
        .isEqualTo(TestSupport.BATCH_CODE);
    assertThat(dep.at("/properties/codeConfiguration/scoringScript").asText())
        .isEqualTo(TestSupport.BATCH_SCRIPT);
    assertThat(dep.at("/properties/environmentId").asText()).isEqualTo(TestSupport.BATCH_ENV);

    LoggedRequest invoke = only("POST", "/batch/score");
    assertThat(invoke.getHeader("Authorization")).isEqualTo("Bearer " + FakeAzureMl.ML_TOKEN);
    JsonNode body = json(invoke);
    assertThat(body.at("/properties/InputData/input_data/JobInputType").asText())
        .isEqualTo("UriFolder");
    assertThat(body.at("/properties/OutputData/score/Uri").asText())
        .isEqualTo("azureml://datastores/workspaceblobstore/paths/out/");
  }

  // ---------------------------------------------------------------- stubs

  private MappingBuilder arm(MappingBuilder m) {
    return m.withQueryParam("api-version", equalTo("2025-12-01"))
        .withHeader("Authorization", equalTo("Bearer static-arm-token"));
  }

  private void stubWorkspace() {
    ObjectNode ws = Examples.JSON.createObjectNode();
    ws.put("name", "my-aml-workspace");
    ws.put("location", "westeurope");
    wm.stubFor(arm(get(urlPathEqualTo(WS))).willReturn(json(200, ws)));
    ObjectNode stores = Examples.JSON.createObjectNode();
    ObjectNode ds = stores.putArray("value").addObject();
    ds.put("name", "workspaceblobstore");
    ds.putObject("properties")
        .put("accountName", "fakeaccount")
        .put("containerName", "azureml-blobstore")
        .put("endpoint", "core.windows.net")
        .put("protocol", "https");
    wm.stubFor(
        arm(get(urlPathEqualTo(WS + "/datastores")))
            .withQueryParam("isDefault", equalTo("true"))
            .willReturn(json(200, stores)));
    wm.stubFor(
        put(urlPathEqualTo(ONNX_BLOB))
            .withHeader("Authorization", equalTo("Bearer blob-token"))
            .willReturn(aResponse().withStatus(201).withHeader("ETag", "\"0x1\"")));
    wm.stubFor(
        put(urlPathEqualTo(CONFIG_BLOB))
            .withHeader("Authorization", equalTo("Bearer blob-token"))
            .willReturn(aResponse().withStatus(201).withHeader("ETag", "\"0x2\"")));
  }

  private void stubModelRegistration() {
    String path = WS + "/models/relu/versions/1";
    wm.stubFor(
        arm(get(urlPathEqualTo(path)))
            .inScenario("model")
            .whenScenarioStateIs(STARTED)
            .willReturn(armError(404, "ResourceNotFound", "model relu:1 not found")));
    ObjectNode model = Examples.JSON.createObjectNode();
    model.put("id", path);
    model.put("name", "1");
    model.putObject("properties").put("modelType", "triton_model");
    wm.stubFor(
        arm(put(urlPathEqualTo(path)))
            .inScenario("model")
            .willSetStateTo("registered")
            .willReturn(json(201, model)));
  }

  private void stubOnlineEndpoint() {
    String example = "Workspace/OnlineEndpoint/createOrUpdate.json";
    wm.stubFor(
        arm(get(urlPathEqualTo(EP_PATH)))
            .inScenario("endpoint")
            .whenScenarioStateIs(STARTED)
            .willReturn(armError(404, "ResourceNotFound", "endpoint not found")));
    wm.stubFor(
        arm(put(urlPathEqualTo(EP_PATH)))
            .inScenario("endpoint")
            .whenScenarioStateIs(STARTED)
            .willSetStateTo("created")
            .willReturn(
                json(201, endpoint(Examples.response(example, 201), "Creating", false))
                    .withHeader("Azure-AsyncOperation", op("ep-create"))));
    lro("ep-create");
    wm.stubFor(
        arm(get(urlPathEqualTo(EP_PATH)))
            .inScenario("endpoint")
            .whenScenarioStateIs("created")
            .willReturn(
                json(
                    200,
                    endpoint(
                        Examples.response("Workspace/OnlineEndpoint/get.json", 200),
                        "Succeeded",
                        false))));
    wm.stubFor(
        arm(put(urlPathEqualTo(EP_PATH)))
            .inScenario("endpoint")
            .whenScenarioStateIs("created")
            .willSetStateTo("traffic")
            .willReturn(
                json(200, endpoint(Examples.response(example, 200), "Updating", true))
                    .withHeader("Azure-AsyncOperation", op("ep-traffic"))));
    lro("ep-traffic");
    wm.stubFor(
        arm(get(urlPathEqualTo(EP_PATH)))
            .inScenario("endpoint")
            .whenScenarioStateIs("traffic")
            .willReturn(
                json(
                    200,
                    endpoint(
                        Examples.response("Workspace/OnlineEndpoint/get.json", 200),
                        "Succeeded",
                        true))));
    wm.stubFor(
        arm(delete(urlPathEqualTo(EP_PATH)))
            .inScenario("endpoint")
            .whenScenarioStateIs("traffic")
            .willSetStateTo("deleted")
            .willReturn(aResponse().withStatus(202).withHeader("Location", op("ep-delete"))));
    wm.stubFor(
        arm(get(urlPathEqualTo("/ops/ep-delete")))
            .inScenario("op-ep-delete")
            .whenScenarioStateIs(STARTED)
            .willSetStateTo("done")
            .willReturn(aResponse().withStatus(202).withHeader("Location", op("ep-delete"))));
    wm.stubFor(
        arm(get(urlPathEqualTo("/ops/ep-delete")))
            .inScenario("op-ep-delete")
            .whenScenarioStateIs("done")
            .willReturn(aResponse().withStatus(200)));
    wm.stubFor(
        arm(get(urlPathEqualTo(EP_PATH)))
            .inScenario("endpoint")
            .whenScenarioStateIs("deleted")
            .willReturn(armError(404, "ResourceNotFound", "endpoint not found")));
    ObjectNode token = Examples.response("Workspace/OnlineEndpoint/getToken.json", 200);
    token.put("accessToken", AML_TOKEN);
    token.put("expiryTimeUtc", System.currentTimeMillis() / 1000 + 3600);
    token.put("refreshAfterTimeUtc", System.currentTimeMillis() / 1000 + 1800);
    wm.stubFor(arm(post(urlPathEqualTo(EP_PATH + "/token"))).willReturn(json(200, token)));
  }

  private ObjectNode endpoint(ObjectNode body, String state, boolean withTraffic) {
    body.put("name", EP);
    body.put("id", EP_PATH);
    body.put("location", "westeurope");
    ObjectNode p = (ObjectNode) body.path("properties");
    p.put("provisioningState", state);
    p.put("scoringUri", base + "/score");
    p.put("authMode", "AMLToken");
    ObjectNode traffic = p.putObject("traffic");
    if (withTraffic) {
      traffic.put("blue", 90).put("green", 10);
      p.putObject("mirrorTraffic").put("shadow", 10);
    }
    return body;
  }

  private void stubDeployment(String name) {
    String path = EP_PATH + "/deployments/" + name;
    ObjectNode created =
        deployment(
            Examples.response("OnlineDeployment/ManagedOnlineDeployment/createOrUpdate.json", 201),
            name,
            "Creating");
    wm.stubFor(
        arm(put(urlPathEqualTo(path)))
            .willReturn(json(201, created).withHeader("Azure-AsyncOperation", op("dep-" + name))));
    lro("dep-" + name);
    wm.stubFor(arm(get(urlPathEqualTo(path))).willReturn(json(200, deploymentGet(name))));
  }

  private ObjectNode deploymentGet(String name) {
    return deployment(
        Examples.response("OnlineDeployment/ManagedOnlineDeployment/get.json", 200),
        name,
        "Succeeded");
  }

  private ObjectNode deployment(ObjectNode body, String name, String state) {
    body.put("name", name);
    body.put("id", EP_PATH + "/deployments/" + name);
    ObjectNode p = (ObjectNode) body.path("properties");
    p.put("provisioningState", state);
    p.put("model", WS + "/models/relu/versions/1");
    p.put("instanceType", name.equals("shadow") ? "Standard_DS2_v2" : GPU_SKU);
    ObjectNode props = p.putObject("properties");
    props.put("serve4j.model", "relu");
    props.put("serve4j.modelVersion", "1");
    props.put("serve4j.tritonModel", "relu");
    props.put("serve4j.signature", SignatureJson.write(ContractModels.RELU_SIGNATURE));
    return body;
  }

  private void stubDeploymentList() {
    ObjectNode list = Examples.response("OnlineDeployment/list.json", 200);
    list.remove("nextLink");
    ArrayNode values = list.putArray("value");
    DEPLOYMENTS.forEach(n -> values.add(deploymentGet(n)));
    wm.stubFor(arm(get(urlPathEqualTo(EP_PATH + "/deployments"))).willReturn(json(200, list)));
  }

  private void stubScoring() {
    byte[] answer =
        OipJson.writeResponse(
            ContractModels.reluAnswer(ContractModels.reluRequest(-1.5f, 2.5f)).toBuilder()
                .modelName("relu")
                .build());
    wm.stubFor(
        post(urlPathEqualTo("/v2/models/relu/infer"))
            .atPriority(5)
            .withHeader("Authorization", equalTo("Bearer " + AML_TOKEN))
            .withRequestBody(containing("\"x\""))
            .willReturn(
                aResponse()
                    .withStatus(200)
                    .withHeader("Content-Type", "application/json")
                    .withHeader("azureml-model-deployment", "blue")
                    .withBody(answer)));
    wm.stubFor(
        post(urlPathEqualTo("/v2/models/relu/infer"))
            .atPriority(1)
            .withHeader("Authorization", equalTo("Bearer " + AML_TOKEN))
            .withHeader("azureml-model-deployment", equalTo("green"))
            .willReturn(
                aResponse()
                    .withStatus(200)
                    .withHeader("Content-Type", "application/json")
                    .withHeader("azureml-model-deployment", "green")
                    .withBody(answer)));
  }

  private void stubBatch() {
    String example = "Workspace/BatchEndpoint/createOrUpdate.json";
    wm.stubFor(
        arm(put(urlPathEqualTo(BATCH_PATH)))
            .inScenario("batch")
            .whenScenarioStateIs(STARTED)
            .willSetStateTo("created")
            .willReturn(
                json(201, batchEndpoint(Examples.response(example, 201), "Creating"))
                    .withHeader("Azure-AsyncOperation", op("batch-ep"))));
    lro("batch-ep");
    wm.stubFor(
        arm(put(urlPathEqualTo(BATCH_PATH)))
            .inScenario("batch")
            .whenScenarioStateIs("created")
            .willReturn(
                json(200, batchEndpoint(Examples.response(example, 200), "Updating"))
                    .withHeader("Azure-AsyncOperation", op("batch-default"))));
    lro("batch-default");
    wm.stubFor(
        arm(get(urlPathEqualTo(BATCH_PATH)))
            .willReturn(
                json(
                    200,
                    batchEndpoint(
                        Examples.response("Workspace/BatchEndpoint/get.json", 200), "Succeeded"))));
    // Once the job ended, its batch endpoint is deleted (with its deployment): nothing left behind.
    wm.stubFor(
        arm(delete(urlPathEqualTo(BATCH_PATH)))
            .willReturn(aResponse().withStatus(202).withHeader("Location", op("batch-ep-delete"))));
    wm.stubFor(
        arm(get(urlPathEqualTo("/ops/batch-ep-delete"))).willReturn(aResponse().withStatus(200)));
    String dep = BATCH_PATH + "/deployments/serve4j";
    ObjectNode depBody = Examples.response("Workspace/BatchDeployment/createOrUpdate.json", 201);
    wm.stubFor(
        arm(put(urlPathEqualTo(dep)))
            .willReturn(json(201, depBody).withHeader("Azure-AsyncOperation", op("batch-dep"))));
    lro("batch-dep");
    ObjectNode depGet = Examples.response("Workspace/BatchDeployment/get.json", 200);
    ((ObjectNode) depGet.path("properties")).put("provisioningState", "Succeeded");
    wm.stubFor(arm(get(urlPathEqualTo(dep))).willReturn(json(200, depGet)));

    ObjectNode job = Examples.JSON.createObjectNode();
    job.put("id", WS + "/jobs/batchjob-1");
    job.put("name", "batchjob-1");
    job.putObject("properties").put("status", "NotStarted");
    wm.stubFor(
        post(urlPathEqualTo("/batch/score"))
            .withHeader("Authorization", equalTo("Bearer " + FakeAzureMl.ML_TOKEN))
            .willReturn(json(200, job)));
    String[] states = {STARTED, "queued", "running"};
    String[] statuses = {"Queued", "Running", "Completed"};
    for (int i = 0; i < states.length; i++) {
      ObjectNode j = job.deepCopy();
      ((ObjectNode) j.path("properties")).put("status", statuses[i]);
      var m =
          arm(get(urlPathEqualTo(WS + "/jobs/batchjob-1")))
              .inScenario("job")
              .whenScenarioStateIs(states[i]);
      if (i + 1 < states.length) {
        m = m.willSetStateTo(states[i + 1]);
      }
      wm.stubFor(m.willReturn(json(200, j)));
    }
  }

  private ObjectNode batchEndpoint(ObjectNode body, String state) {
    body.put("name", BATCH_EP);
    ObjectNode p = (ObjectNode) body.path("properties");
    p.put("provisioningState", state);
    p.put("scoringUri", base + "/batch/score");
    p.put("authMode", "AADToken");
    return body;
  }

  /** An Azure-AsyncOperation status URL: InProgress on the first poll, Succeeded after. */
  private void lro(String name) {
    ObjectNode inProgress = Examples.JSON.createObjectNode().put("status", "InProgress");
    ObjectNode succeeded = Examples.JSON.createObjectNode().put("status", "Succeeded");
    wm.stubFor(
        arm(get(urlPathEqualTo("/ops/" + name)))
            .inScenario("op-" + name)
            .whenScenarioStateIs(STARTED)
            .willSetStateTo("done")
            .willReturn(json(200, inProgress)));
    wm.stubFor(
        arm(get(urlPathEqualTo("/ops/" + name)))
            .inScenario("op-" + name)
            .whenScenarioStateIs("done")
            .willReturn(json(200, succeeded)));
  }

  private String op(String name) {
    return base + "/ops/" + name + "?api-version=2025-12-01";
  }

  // ---------------------------------------------------------------- helpers

  private static ResponseDefinitionBuilder json(int status, JsonNode body) {
    return aResponse()
        .withStatus(status)
        .withHeader("Content-Type", "application/json")
        .withHeader("x-ms-request-id", "req-" + status)
        .withBody(body.toString());
  }

  private static ResponseDefinitionBuilder armError(int status, String code, String message) {
    ObjectNode root = Examples.JSON.createObjectNode();
    root.putObject("error").put("code", code).put("message", message);
    return json(status, root);
  }

  private List<LoggedRequest> requests(String method, String path) {
    List<LoggedRequest> all =
        new java.util.ArrayList<>(
            wm.getAllServeEvents().stream()
                .map(ServeEvent::getRequest)
                .filter(q -> q.getMethod().getName().equals(method))
                .filter(q -> q.getUrl().split("\\?")[0].equals(path))
                .toList());
    java.util.Collections.reverse(all); // WireMock lists newest first
    return all;
  }

  private LoggedRequest only(String method, String path) {
    List<LoggedRequest> r = requests(method, path);
    assertThat(r).as(method + " " + path).hasSize(1);
    return r.get(0);
  }

  private List<JsonNode> bodies(String method, String path) {
    return requests(method, path).stream().map(AzureLifecycleTest::json).toList();
  }

  private static JsonNode json(LoggedRequest q) {
    try {
      return Examples.JSON.readTree(q.getBodyAsString().getBytes(StandardCharsets.UTF_8));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
