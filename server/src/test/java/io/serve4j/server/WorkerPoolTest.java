package io.serve4j.server;

import static io.serve4j.server.MemoryEndpoint.BODY;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The worker pool reuses an idle thread before it starts another: as many threads as requests in
 * flight, not one per request up to {@code workerThreads}; beyond that, requests queue.
 */
class WorkerPoolTest {
  private static final String WORKER = "serve4j-oip-worker-";

  private static long workers() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith(WORKER) && t.isAlive())
        .count();
  }

  @Test
  void sequentialRequests_reuseOneWorker() throws Exception {
    try (MemoryEndpoint served = MemoryEndpoint.deploy("m", request -> {})) {
      long before = workers();
      try (OipServer server =
              OipServer.builder()
                  .endpoint("m", served.endpoint())
                  .port(0)
                  .inlineThreshold(Duration.ZERO) // every call on a worker
                  .start();
          Http c = new Http(server.port())) {
        for (int i = 0; i < 40; i++) {
          assertThat(c.post("/v2/models/m/infer", BODY).status()).isEqualTo(200);
        }
        // one request in flight at a time: one worker (a few if the machine delays a worker's
        // return to the pool past the next request); a thread per request before
        assertThat(workers() - before).isLessThanOrEqualTo(4);
      }
    }
  }

  @Test
  void requestsBeyondTheWorkers_queueAndAllAnswer() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger running = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    try (MemoryEndpoint served =
        MemoryEndpoint.deploy(
            "m",
            request -> {
              most.accumulateAndGet(running.incrementAndGet(), Math::max);
              try {
                release.await(10, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              running.decrementAndGet();
            })) {
      try (OipServer server =
          OipServer.builder()
              .endpoint("m", served.endpoint())
              .port(0)
              .workerThreads(3)
              .inlineThreshold(Duration.ZERO)
              .start()) {
        List<Thread> clients = new ArrayList<>();
        List<Integer> statuses = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 8; i++) {
          Thread t =
              new Thread(
                  () -> {
                    try (Http c = new Http(server.port())) {
                      statuses.add(c.post("/v2/models/m/infer", BODY).status());
                    } catch (Exception e) {
                      statuses.add(-1);
                    }
                  });
          t.start();
          clients.add(t);
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (running.get() < 3 && System.nanoTime() < until) {
          Thread.sleep(5);
        }
        Thread.sleep(100); // the five others are queued, not running
        assertThat(running.get()).isEqualTo(3);
        release.countDown();
        for (Thread t : clients) {
          t.join(20_000);
        }
        assertThat(statuses).hasSize(8).containsOnly(200);
        assertThat(most.get()).isEqualTo(3);
      }
    }
  }
}
