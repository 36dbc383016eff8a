package io.serve4j.azure.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.serve4j.DeploymentSpec;
import io.serve4j.Endpoint;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.EndpointStatus;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractModels;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 16, item 1: changing the traffic of an endpoint serve4j did not create keeps everything
 * else the endpoint holds (a user-assigned identity, {@code publicNetworkAccess: Disabled}, its
 * description, properties, tags, kind, sku and fields serve4j does not know), and updating its
 * deployment keeps what the user set on that (items 1-3: tags, description, settings serve4j does
 * not make; the properties dictionary add-only; another SKU blue/green).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AzureEndpointFidelityTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String UAI =
      "/subscriptions/"
          + FakeAzureMl.SUB
          + "/resourceGroups/"
          + FakeAzureMl.RG
          + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/scoring-id";

  private FakeAzureMl fake;
  private ServingClient client;

  @BeforeAll
  void start() {
    fake = new FakeAzureMl(Duration.ofMillis(50));
    client =
        Serve4j.builder()
            .options(
                TestSupport.options(
                        fake.base(),
                        new TestSupport.StaticCredential(),
                        TestSupport.insecureHttpClient())
                    .build())
            .operationTimeout(Duration.ofSeconds(30))
            .build();
  }

  @AfterAll
  void stop() {
    client.close();
    fake.close();
  }

  /** An endpoint made in the portal or by Bicep, with one deployment "blue" taking all traffic. */
  private void createdOutsideServe4j(String name) throws Exception {
    ObjectNode ep =
        (ObjectNode)
            JSON.readTree(
                ("{'location':'westeurope','kind':'Managed','sku':{'name':'Default'},"
                        + "'tags':{'team':'risk'},"
                        + "'identity':{'type':'UserAssigned','principalId':'p-1','tenantId':'t-1',"
                        + "'userAssignedIdentities':{'UAI':{'principalId':'p-2','clientId':'c-2'}}},"
                        + "'properties':{'authMode':'Key','description':'fraud scoring (private)',"
                        + "'publicNetworkAccess':'Disabled','properties':{'owner':'risk-team'},"
                        + "'compute':'futureField','traffic':{'blue':100},"
                        + "'provisioningState':'Succeeded'}}")
                    .replace('\'', '"')
                    .replace("UAI", UAI));
    ep.put("name", name);
    ep.put("id", "/onlineEndpoints/" + name);
    ((ObjectNode) ep.path("properties"))
        .put("scoringUri", fake.base() + "/online/" + name + "/score");
    FakeAzureMl.Endpoint e = new FakeAzureMl.Endpoint();
    e.resource = ep;
    ObjectNode blue =
        (ObjectNode)
            JSON.readTree(
                ("{'name':'blue','location':'westeurope','sku':{'name':'Default','capacity':1},"
                        + "'tags':{'team':'risk'},"
                        + "'properties':{'endpointComputeType':'Managed','description':'hand-made',"
                        + "'appInsightsEnabled':true,'egressPublicNetworkAccess':'Disabled',"
                        + "'instanceType':'Standard_DS3_v2','provisioningState':'Succeeded',"
                        + "'properties':{'owner':'risk-team','serve4j.model':'relu',"
                        + "'serve4j.modelVersion':'1','serve4j.tritonModel':'relu'}}}")
                    .replace('\'', '"'));
    e.deployments.put("blue", blue);
    fake.endpoints.put(name, e);
  }

  private void assertKeptWhatTheUserSet(String name) {
    JsonNode ep = fake.endpoints.get(name).resource;
    assertThat(ep.at("/identity/type").asText()).isEqualTo("UserAssigned");
    assertThat(ep.at("/identity").has("principalId")).as("read-only, not sent").isFalse();
    assertThat(ep.path("identity").path("userAssignedIdentities").has(UAI)).isTrue();
    assertThat(ep.at("/properties/publicNetworkAccess").asText()).isEqualTo("Disabled");
    assertThat(ep.at("/properties/description").asText()).isEqualTo("fraud scoring (private)");
    assertThat(ep.at("/properties/properties/owner").asText()).isEqualTo("risk-team");
    assertThat(ep.at("/properties/compute").asText()).isEqualTo("futureField");
    assertThat(ep.at("/tags/team").asText()).isEqualTo("risk");
    assertThat(ep.at("/kind").asText()).isEqualTo("Managed");
    assertThat(ep.at("/sku/name").asText()).isEqualTo("Default");
    assertThat(ep.at("/properties/authMode").asText()).isEqualTo("Key");
  }

  @Test
  void shiftTraffic_onAnEndpointMadeOutsideServe4j_changesOnlyTheTraffic() throws Exception {
    String name = "fidelity-shift";
    createdOutsideServe4j(name);
    Endpoint endpoint = client.endpoint(name);
    endpoint
        .update(
            EndpointSpec.builder()
                .name(name)
                .deployment(
                    DeploymentSpec.builder()
                        .name("blue")
                        .model(ContractModels.relu(URI.create("azureml:relu:1")))
                        .build())
                .deployment(
                    DeploymentSpec.builder()
                        .name("green")
                        .model(ContractModels.relu(URI.create("azureml:relu:2")))
                        .build())
                .traffic(Map.of("blue", 100))
                .build())
        .await();
    assertKeptWhatTheUserSet(name);
    // Its deployment "blue" was on another SKU: replaced blue/green, with what the user set on it.
    JsonNode blue = fake.endpoints.get(name).deployments.get("blue");
    assertThat(blue.at("/properties/instanceType").asText()).isEqualTo("Standard_DS2_v2");
    assertThat(blue.at("/tags/team").asText()).isEqualTo("risk");
    assertThat(blue.at("/properties/description").asText()).isEqualTo("hand-made");
    assertThat(blue.at("/properties/appInsightsEnabled").asBoolean()).isTrue();
    assertThat(blue.at("/properties/egressPublicNetworkAccess").asText()).isEqualTo("Disabled");
    assertThat(blue.at("/properties/properties/owner").asText()).isEqualTo("risk-team");
    assertThat(blue.at("/properties/properties/serve4j.modelVersion").asText())
        .as("add-only: never altered")
        .isEqualTo("1");
    assertThat(fake.endpoints.get(name).deployments).doesNotContainKey("blue-s4j");

    endpoint.shiftTraffic(Map.of("blue", 70, "green", 30)).await();

    assertKeptWhatTheUserSet(name);
    JsonNode ep = fake.endpoints.get(name).resource;
    assertThat(ep.at("/properties/traffic/blue").asInt()).isEqualTo(70);
    assertThat(ep.at("/properties/traffic/green").asInt()).isEqualTo(30);
  }

  @Test
  void describe_ofAnEndpointWhoseDeploymentFailed_carriesTheContainerLogTail() throws Exception {
    String name = "fidelity-failed";
    createdOutsideServe4j(name);
    ((ObjectNode) fake.endpoints.get(name).deployments.get("blue").path("properties"))
        .put("provisioningState", "Failed");
    EndpointDescription d = client.endpoint(name).describe();
    assertThat(d.status()).isEqualTo(EndpointStatus.FAILED);
    assertThat(d.failureReason())
        .hasValueSatisfying(r -> assertThat(r).contains("blue").contains("Traceback"));
  }
}
