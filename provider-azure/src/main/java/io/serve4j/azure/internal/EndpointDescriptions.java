package io.serve4j.azure.internal;

import static io.serve4j.azure.internal.Workspace.ONLINE;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.serve4j.DeploymentDescription;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Reads online endpoints and their deployments (GET and paged lists) and maps them to {@link
 * EndpointDescription}s; a failed deployment's description carries the tail of its container logs.
 */
final class EndpointDescriptions {
  private final Workspace ws;

  EndpointDescriptions(Workspace ws) {
    this.ws = ws;
  }

  /**
   * Describes one endpoint with its deployments.
   *
   * @param endpoint the endpoint name
   * @param arm the control plane to read with (one attempt or retried, bounded or not)
   * @return the description
   */
  CompletableFuture<EndpointDescription> describe(String endpoint, Arm arm) {
    return arm.get(ONLINE + "/" + endpoint)
        .thenCompose(
            r -> listDeployments(endpoint, arm).thenCompose(ds -> describeWith(r.json(), ds)));
  }

  /**
   * Describes every online endpoint of the workspace.
   *
   * @param arm the control plane to read with
   * @return the descriptions
   */
  CompletableFuture<List<EndpointDescription>> list(Arm arm) {
    return listAll(arm.url(ONLINE), arm)
        .thenCompose(
            all -> {
              List<CompletableFuture<EndpointDescription>> each = new ArrayList<>();
              for (JsonNode e : all) {
                each.add(
                    listDeployments(e.path("name").asText(), arm)
                        .thenCompose(ds -> describeWith(e, ds)));
              }
              return CompletableFuture.allOf(each.toArray(new CompletableFuture<?>[0]))
                  .thenApply(x -> each.stream().map(CompletableFuture::join).toList());
            });
  }

  private CompletableFuture<EndpointDescription> describeWith(JsonNode e, List<JsonNode> ds) {
    EndpointDescription d = Bodies.describe(e, ds);
    List<String> failed =
        d.deployments().stream()
            .filter(x -> x.status() == EndpointStatus.FAILED)
            .map(DeploymentDescription::name)
            .toList();
    if (failed.isEmpty()) {
      return CompletableFuture.completedFuture(d);
    }
    String name = d.name();
    return logs(name, failed.get(0))
        .handle(
            (logs, err) ->
                d.toBuilder()
                    .failureReason(
                        "deployment '"
                            + failed.get(0)
                            + "' failed"
                            + (logs == null || logs.isBlank()
                                ? ""
                                : "; deployment logs (tail):\n" + logs))
                    .build());
  }

  /**
   * The raw deployments of an online endpoint, every page.
   *
   * @param endpoint the endpoint name
   * @param arm the control plane to read with
   * @return the deployment resources
   */
  CompletableFuture<List<JsonNode>> listDeployments(String endpoint, Arm arm) {
    return listAll(arm.url(ONLINE + "/" + endpoint + "/deployments"), arm);
  }

  private CompletableFuture<List<JsonNode>> listAll(String url, Arm arm) {
    return arm.getUrl(url)
        .thenCompose(
            r -> {
              List<JsonNode> items = new ArrayList<>();
              r.json().path("value").forEach(items::add);
              String next = r.json().path("nextLink").asText(null);
              if (next == null || next.isEmpty()) {
                return CompletableFuture.completedFuture(items);
              }
              return listAll(next, arm)
                  .thenApply(
                      more -> {
                        items.addAll(more);
                        return items;
                      });
            });
  }

  /**
   * The last 50 lines of a deployment's inference-server container log ({@code getLogs}).
   *
   * @param endpoint the endpoint name
   * @param deployment the deployment name
   * @return the log tail, possibly empty
   */
  CompletableFuture<String> logs(String endpoint, String deployment) {
    ObjectNode body = Rest.JSON.createObjectNode();
    body.put("containerType", "InferenceServer");
    body.put("tail", 50);
    return ws.arm
        .post(ONLINE + "/" + endpoint + "/deployments/" + deployment + "/getLogs", body)
        .thenApply(r -> r.json().path("content").asText(""));
  }
}
