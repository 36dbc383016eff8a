package io.serve4j.spark.internal;

import io.serve4j.ConflictException;
import io.serve4j.DeploymentDescription;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.Model;
import io.serve4j.ModelSignature;
import io.serve4j.RetryPolicy;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.local.LocalOptions;
import io.serve4j.spark.ScoringSpec;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link ServingClient} per executor JVM and client key, created lazily on first use, shared by
 * all tasks of the JVM and closed when the JVM shuts down; beside it, per endpoint (or deployed
 * model), the semaphore that bounds the executor's requests in flight.
 */
public final class ExecutorClients {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorClients.class);
  private static final Map<String, ServingClient> CLIENTS = new ConcurrentHashMap<>();
  private static final Map<String, Handle> ENDPOINTS = new ConcurrentHashMap<>();
  private static final Map<String, Handle> HANDLES = new ConcurrentHashMap<>();

  static {
    Thread hook = new Thread(ExecutorClients::closeAll, "serve4j-spark-close");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  private ExecutorClients() {}

  /** An endpoint scored by this JVM's tasks, its signature, and its in-flight bound. */
  public record Handle(Endpoint endpoint, ModelSignature signature, Semaphore inFlight) {
    /**
     * Returns the signature, if the endpoint reports one.
     *
     * @return the signature
     */
    public Optional<ModelSignature> maybeSignature() {
      return Optional.ofNullable(signature);
    }
  }

  /**
   * Returns this JVM's handle for a spec, creating the client (and deploying the model) on first
   * use.
   *
   * @param spec the spec
   * @param clientKey the plan's client key
   * @param modelFile the model file on this JVM, or null when scoring an existing endpoint
   * @param modelSha256 the model's SHA-256, checked before deploying, or null
   * @param intraOpThreads ONNX Runtime threads for a local client
   * @return the handle
   */
  public static Handle handle(
      ScoringSpec spec, String clientKey, Path modelFile, String modelSha256, int intraOpThreads) {
    boolean local = isLocal(spec);
    String clientId = clientKey + (local ? "|threads=" + intraOpThreads : "");
    String endpointKey = clientId + "|" + spec.endpointName().orElse("model:" + modelSha256);
    String key = endpointKey + "|" + spec.maxInFlight();
    Handle h = HANDLES.get(key);
    if (h != null) {
      return h;
    }
    synchronized (HANDLES) {
      h = HANDLES.get(key);
      if (h != null) {
        return h;
      }
      Handle known = ENDPOINTS.get(endpointKey);
      if (known != null) {
        h = new Handle(known.endpoint(), known.signature(), new Semaphore(spec.maxInFlight()));
        HANDLES.put(key, h);
        return h;
      }
      ServingClient client = CLIENTS.computeIfAbsent(clientId, k -> open(spec, intraOpThreads));
      Endpoint endpoint;
      if (spec.endpointName().isPresent()) {
        endpoint = client.endpoint(spec.endpointName().get());
      } else {
        if (!Files.isReadable(modelFile)) {
          throw Errors.invalid("the model file " + modelFile + " is not readable on this executor");
        }
        ModelFiles.verify(modelFile, modelSha256);
        String name =
            "spark-" + modelSha256.substring(0, 16) + (local ? "-t" + intraOpThreads : "");
        Model model = Model.onnx(name, modelFile).toBuilder().sha256(modelSha256).build();
        try {
          endpoint = client.deploy(EndpointSpec.of(name, model)).await();
        } catch (ConflictException e) {
          // the local runtime's endpoints are per JVM: another client of this JVM deployed the
          // same bytes (the name holds their SHA-256) with the same threads
          endpoint = client.endpoint(name);
        }
        LOG.info(
            "serve4j-spark: deployed model {} (SHA-256 {}) on provider {} with {} intra-op thread(s)",
            modelFile.getFileName(),
            modelSha256,
            client.providerId(),
            local ? intraOpThreads : "n/a");
      }
      ModelSignature signature = signatureOf(endpoint);
      h = new Handle(endpoint, signature, new Semaphore(spec.maxInFlight()));
      ENDPOINTS.put(endpointKey, h);
      HANDLES.put(key, h);
      return h;
    }
  }

  private static ModelSignature signatureOf(Endpoint endpoint) {
    List<ModelSignature> sigs =
        endpoint.describe().deployments().stream()
            .map(DeploymentDescription::signature)
            .flatMap(Optional::stream)
            .distinct()
            .toList();
    if (sigs.size() > 1) {
      throw Errors.invalid(
          "the deployments of endpoint '"
              + endpoint.name()
              + "' have different signatures "
              + sigs
              + "; score one deployment's model at a time");
    }
    return sigs.isEmpty() ? null : sigs.get(0);
  }

  private static boolean isLocal(ScoringSpec spec) {
    return spec.clientFactory().isEmpty() && spec.target().orElse("").equals("local");
  }

  private static ServingClient open(ScoringSpec spec, int intraOpThreads) {
    if (spec.clientFactory().isPresent()) {
      return spec.clientFactory().get().create();
    }
    String target = spec.target().orElseThrow();
    Serve4j.Builder b =
        Serve4j.builder()
            .predictTimeout(spec.requestTimeout())
            .retryPolicy(RetryPolicy.builder().maxAttempts(spec.maxAttempts()).build());
    if (target.equals("local")) {
      b.options(LocalOptions.builder().intraOpThreads(intraOpThreads).build());
    } else if (target.contains(":")) {
      b.uri(URI.create(target));
    } else {
      b.provider(target);
    }
    return b.build();
  }

  /** Closes every client of this JVM; runs at shutdown. */
  static void closeAll() {
    HANDLES.clear();
    ENDPOINTS.clear();
    for (ServingClient c : CLIENTS.values()) {
      try {
        c.close();
      } catch (RuntimeException e) {
        LOG.warn("serve4j-spark: closing a client failed: {}", e.toString());
      }
    }
    CLIENTS.clear();
  }
}
