package io.serve4j.azure.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Checks every request a test's fake Azure receives against Azure ML's contract ({@link
 * AzureMlSpec}) and keeps the violations, so that the test fails on them ({@link #assertClean()},
 * called when the fake closes). Control-plane requests under {@code
 * Microsoft.MachineLearningServices} must match an operation of {@code mfe.json}, with its {@code
 * api-version} and a valid body; the workspace GET (an operation of {@code
 * machineLearningServices.json}, not copied) and ARM operation-status URLs must be body-less GETs
 * with the api-version; other resource providers' calls (Azure Monitor autoscale settings) need an
 * api-version; the data plane (scoring, batch invocation, blob uploads) has no contract here and is
 * only counted.
 */
final class SpecConformance {
  /** Counts over every fake of the test JVM, for the build log. */
  private static final Map<String, AtomicLong> TOTALS = new ConcurrentHashMap<>();

  private static final String PROVIDER = "/providers/Microsoft.MachineLearningServices/";

  private final AzureMlSpec spec = AzureMlSpec.get();
  private final List<String> violations = new ArrayList<>();
  private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

  /**
   * Checks every request a stub server receives (no state: update rules need the fake).
   *
   * @param server the server
   * @return this
   */
  SpecConformance attach(WireMockServer server) {
    server.addMockServiceRequestListener((request, response) -> check(request, null));
    return this;
  }

  /**
   * Checks one request.
   *
   * @param r the request
   * @param existing for a PUT, the resource as the fake holds it before; else null
   * @return the violations of this request (empty if none)
   */
  List<String> check(Request r, JsonNode existing) {
    String url = r.getUrl();
    String path = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
    String method = r.getMethod().getName();
    byte[] body = r.getBody();
    List<String> found = new ArrayList<>();
    if (path.startsWith("/subscriptions/") && path.contains(PROVIDER)) {
      String after = path.substring(path.indexOf(PROVIDER) + PROVIDER.length());
      if (after.matches("workspaces/[^/]+")) {
        count("workspace GET (machineLearningServices.json)");
        bodylessGet(method, url, body, found);
      } else {
        AzureMlSpec.Verdict v = spec.check(method, url, body, existing);
        found.addAll(v.violations());
        count("control plane, matched to an mfe.json operation");
        if (v.hadBody()) {
          count("control plane, body validated");
        }
        if (existing != null) {
          count("control plane, update PUT checked for x-ms-mutability");
        }
      }
    } else if (path.startsWith("/subscriptions/")) {
      // e.g. Microsoft.Insights/autoscalesettings: another resource provider's contract
      count("control plane, another resource provider (contract not copied)");
      if (!url.contains("api-version=")) {
        found.add(method + " " + url + ": no api-version");
      }
    } else if (path.startsWith("/operations/") || path.startsWith("/ops/")) {
      count("operation status polls");
      bodylessGet(method, url, body, found);
    } else {
      count("data plane (scoring, batch invocation, blob upload): no contract here");
    }
    count("requests");
    if (!found.isEmpty()) {
      synchronized (violations) {
        violations.addAll(found);
      }
      count("violations");
    }
    return found;
  }

  private void bodylessGet(String method, String url, byte[] body, List<String> found) {
    if (!method.equals("GET") || (body != null && body.length > 0)) {
      found.add(method + " " + url + ": only a GET without a body is expected here");
    }
    if (!url.contains("api-version=" + spec.apiVersion())) {
      found.add(method + " " + url + ": no api-version=" + spec.apiVersion());
    }
  }

  private void count(String what) {
    counts.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
    TOTALS.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
  }

  /** The counts of this fake, by kind of request. */
  Map<String, Long> counts() {
    Map<String, Long> m = new TreeMap<>();
    counts.forEach((k, v) -> m.put(k, v.get()));
    return m;
  }

  /** Logs the counts (this fake's, and the JVM's so far), then fails with every violation seen. */
  void assertClean() {
    Map<String, Long> totals = new TreeMap<>();
    TOTALS.forEach((k, v) -> totals.put(k, v.get()));
    System.out.println("[azureml-conformance] this fake: " + counts() + "; JVM so far: " + totals);
    synchronized (violations) {
      if (!violations.isEmpty()) {
        throw new AssertionError(
            violations.size()
                + " request(s) broke Azure ML's contract (mfe.json 2025-12-01):\n  "
                + String.join("\n  ", violations));
      }
    }
  }
}
