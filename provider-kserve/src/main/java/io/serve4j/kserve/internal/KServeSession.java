package io.serve4j.kserve.internal;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.serve4j.kserve.KServeOptions;
import io.serve4j.spi.ProviderContext;
import io.serve4j.spi.ProviderSession;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Opens the clients of a session: the Kubernetes client (the caller's, or one from the kubeconfig /
 * in-cluster defaults with the fabric8 client's own retries off, since core retries), a JDK HTTP
 * client for predictions, and a daemon executor for fabric8's blocking calls. Closing closes only
 * what it created.
 */
public final class KServeSession {
  private KServeSession() {}

  /**
   * Opens a session: predictions over OIP v2 REST, or gRPC when the options say so.
   *
   * @param options the options
   * @param context core's facilities
   * @return the session
   */
  public static ProviderSession open(KServeOptions options, ProviderContext context) {
    KubernetesClient client;
    boolean owned;
    if (options.kubernetesClient().isPresent()) {
      client = options.kubernetesClient().get();
      owned = false;
    } else {
      Config config = Config.autoConfigure(options.context().orElse(null));
      config.setRequestRetryBackoffLimit(0); // one wire attempt: core's retry policy decides
      client = new KubernetesClientBuilder().withConfig(config).build();
      owned = true;
    }
    String namespace =
        options
            .namespace()
            .orElseGet(() -> client.getNamespace() != null ? client.getNamespace() : "default");
    ExecutorService io = Executors.newCachedThreadPool(daemons());
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .executor(io)
            .build();
    InferenceServices lifecycle =
        new InferenceServices(
            client,
            namespace,
            new Manifests(options),
            io,
            context.scheduler(),
            options.pollInterval(),
            options.listAll());
    OipGrpc grpc =
        options.protocol() == KServeOptions.Protocol.GRPC
            ? new OipGrpc(lifecycle, options.grpcTarget().orElse(null), io)
            : null;
    io.serve4j.spi.Inference inference =
        grpc != null ? grpc : new OipRest(http, lifecycle, options.predictBaseUrl().orElse(null));
    return ProviderSession.of(
        lifecycle,
        inference,
        null,
        null,
        () -> {
          if (grpc != null) {
            grpc.close(); // its channels first: their callbacks run on io
          }
          // running undo work (deleting what a cancelled deploy created, restoring an update)
          // finishes; idle threads end now. The client serve4j built closes after it.
          io.shutdown();
          if (owned) {
            Thread closer =
                new Thread(
                    () -> {
                      try {
                        io.awaitTermination(30, TimeUnit.SECONDS);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      } finally {
                        client.close();
                      }
                    },
                    "serve4j-kserve-close");
            closer.setDaemon(true);
            closer.start();
          }
        });
  }

  private static ThreadFactory daemons() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "serve4j-kserve-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
