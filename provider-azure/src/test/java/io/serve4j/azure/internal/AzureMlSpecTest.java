package io.serve4j.azure.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The contract check the fakes run on every request ({@link AzureMlSpec}) accepts the service
 * team's own request examples and catches each kind of violation it is there for.
 */
class AzureMlSpecTest {
  private static final String WS =
      "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/test-rg/providers"
          + "/Microsoft.MachineLearningServices/workspaces/my-aml-workspace";
  private static final String Q = "?api-version=2025-12-01";
  private static final String EP = WS + "/onlineEndpoints/ep1" + Q;
  private static final String DEP = WS + "/onlineEndpoints/ep1/deployments/blue" + Q;

  private final AzureMlSpec spec = AzureMlSpec.get();

  private static byte[] bytes(JsonNode n) {
    return n.toString().getBytes(StandardCharsets.UTF_8);
  }

  private List<String> put(String url, JsonNode body, JsonNode existing) {
    return spec.check("PUT", url, bytes(body), existing).violations();
  }

  @ParameterizedTest
  @CsvSource({
    "Workspace/OnlineEndpoint/createOrUpdate.json, /onlineEndpoints/ep1",
    "OnlineDeployment/ManagedOnlineDeployment/createOrUpdate.json, /onlineEndpoints/ep1/deployments/blue",
    "Workspace/BatchEndpoint/createOrUpdate.json, /batchEndpoints/b1",
    "Workspace/BatchDeployment/createOrUpdate.json, /batchEndpoints/b1/deployments/d1",
  })
  void theServiceTeamsOwnRequestExamples_conform(String example, String resource) {
    AzureMlSpec.Verdict v =
        spec.check("PUT", WS + resource + Q, bytes(Examples.request(example)), null);
    assertThat(v.operation()).isNotNull();
    assertThat(v.violations()).isEmpty();
  }

  @Test
  void examplePatchAndPostBodies_conform() {
    assertThat(
            spec.check(
                    "PATCH",
                    EP,
                    bytes(Examples.request("Workspace/OnlineEndpoint/update.json")),
                    null)
                .violations())
        .isEmpty();
    assertThat(
            spec.check(
                    "POST",
                    WS + "/onlineEndpoints/ep1/deployments/blue/getLogs" + Q,
                    bytes(Examples.request("OnlineDeployment/getLogs.json")),
                    null)
                .violations())
        .isEmpty();
  }

  private static ObjectNode endpoint() {
    return (ObjectNode) Examples.request("Workspace/OnlineEndpoint/createOrUpdate.json").deepCopy();
  }

  private static ObjectNode deployment() {
    return (ObjectNode)
        Examples.request("OnlineDeployment/ManagedOnlineDeployment/createOrUpdate.json").deepCopy();
  }

  private static ObjectNode props(ObjectNode resource) {
    return (ObjectNode) resource.path("properties");
  }

  @Test
  void aReadOnlyPropertySent_isCaught() {
    ObjectNode body = endpoint();
    props(body).put("provisioningState", "Succeeded");
    assertThat(put(EP, body, null)).anyMatch(v -> v.contains("provisioningState"));
    ObjectNode withId = endpoint().put("id", "/x");
    assertThat(put(EP, withId, null)).anyMatch(v -> v.contains("id"));
  }

  @Test
  void aMissingRequiredProperty_anUnknownEnumValue_aWrongType_andAnUnknownField_areCaught() {
    ObjectNode noAuth = endpoint();
    props(noAuth).remove("authMode");
    assertThat(put(EP, noAuth, null)).anyMatch(v -> v.contains("authMode"));

    ObjectNode badEnum = endpoint();
    props(badEnum).put("authMode", "Password");
    assertThat(put(EP, badEnum, null)).anyMatch(v -> v.contains("authMode"));

    ObjectNode badType = deployment();
    ((ObjectNode) badType.path("sku")).put("capacity", "one");
    assertThat(put(DEP, badType, null)).anyMatch(v -> v.contains("capacity"));

    ObjectNode unknown = endpoint();
    props(unknown).put("trafic", 1);
    assertThat(put(EP, unknown, null)).anyMatch(v -> v.contains("trafic"));
  }

  @Test
  void theDiscriminator_selectsTheSubtype() {
    ObjectNode badKind = deployment();
    props(badKind).put("endpointComputeType", "Serverless");
    assertThat(put(DEP, badKind, null)).anyMatch(v -> v.contains("endpointComputeType"));

    // containerResourceRequirements is KubernetesOnlineDeployment's, not a Managed one's.
    ObjectNode managed = deployment();
    props(managed).putObject("containerResourceRequirements");
    assertThat(put(DEP, managed, null)).anyMatch(v -> v.contains("containerResourceRequirements"));
    ObjectNode kubernetes = managed.deepCopy();
    props(kubernetes).put("endpointComputeType", "Kubernetes");
    assertThat(put(DEP, kubernetes, null))
        .noneMatch(v -> v.contains("containerResourceRequirements"));

    // scaleSettings dispatches on scaleType: Default takes no minInstances.
    ObjectNode scale = deployment();
    props(scale).putObject("scaleSettings").put("scaleType", "Default").put("minInstances", 1);
    assertThat(put(DEP, scale, null)).anyMatch(v -> v.contains("minInstances"));
  }

  @Test
  void anUpdate_thatChangesACreateOnlyField_orAltersThePropertiesDictionary_isCaught() {
    ObjectNode was = deployment();
    props(was).put("instanceType", "Standard_NC4as_T4_v3");
    props(was).putObject("properties").put("serve4j.modelVersion", "1");
    assertThat(put(DEP, was, was)).isEmpty();

    ObjectNode bigger = was.deepCopy();
    props(bigger).put("instanceType", "Standard_NC64as_T4_v3");
    assertThat(put(DEP, bigger, was))
        .anyMatch(v -> v.contains("instanceType") && v.contains("create-only"));

    ObjectNode altered = was.deepCopy();
    ((ObjectNode) props(altered).path("properties")).put("serve4j.modelVersion", "2");
    assertThat(put(DEP, altered, was)).anyMatch(v -> v.contains("serve4j.modelVersion"));

    ObjectNode removed = was.deepCopy();
    ((ObjectNode) props(removed).path("properties")).remove("serve4j.modelVersion");
    assertThat(put(DEP, removed, was)).anyMatch(v -> v.contains("removed"));

    ObjectNode added = was.deepCopy();
    ((ObjectNode) props(added).path("properties")).put("serve4j.extra", "x");
    assertThat(put(DEP, added, was)).isEmpty();

    ObjectNode moved = was.deepCopy().put("location", "northeurope");
    assertThat(put(DEP, moved, was)).anyMatch(v -> v.contains("location"));
  }

  @Test
  void theWrongApiVersion_orAPathWithNoOperation_isCaught() {
    assertThat(
            spec.check("GET", WS + "/onlineEndpoints/ep1?api-version=2024-01-01", null, null)
                .violations())
        .anyMatch(v -> v.contains("api-version"));
    assertThat(
            spec.check("GET", WS + "/onlineEndpoints/ep1/frobnicate" + Q, null, null).violations())
        .anyMatch(v -> v.contains("no operation"));
    assertThat(
            spec.check("POST", WS + "/onlineEndpoints/ep1/listKeys" + Q, null, null).violations())
        .isEmpty();
  }
}
