package io.serve4j.local.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtEnvironment;
import io.serve4j.DeploymentDescription;
import io.serve4j.DeploymentSpec;
import io.serve4j.spi.Deadline;
import io.serve4j.testkit.ContractModels;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A retired deployment's session outlives the runs that hold it, and no longer. */
class DeploymentTest {
  @Test
  void retire_whileARunHoldsIt_closesTheSessionOnlyWhenTheRunReleasesIt() throws Exception {
    LoadedModel model = relu();
    Deployment d = deployment(model);
    int ref = d.acquire();
    assertThat(ref).isNotEqualTo(Deployment.CLOSED);
    d.retire();
    assertThat(d.isClosed()).isFalse();
    assertThat(model.run(ContractModels.reluRequest(-1, 2), Deadline.none()).get(0).asFloats())
        .containsExactly(0f, 2f);
    d.release(ref);
    assertThat(d.isClosed()).isTrue();
    assertThat(d.acquire()).as("a closed deployment takes no more runs").isEqualTo(CLOSED);
    d.retire(); // idempotent, no double close
    assertThat(d.isClosed()).isTrue();
  }

  @Test
  void retire_withNoRunInFlight_closesAtOnce() throws Exception {
    Deployment d = deployment(relu());
    d.release(d.acquire());
    assertThat(d.isClosed()).isFalse();
    d.retire();
    assertThat(d.isClosed()).isTrue();
  }

  /**
   * Each caller thread takes its reference on a counter of its own, not one count that every run
   * writes (the shared count before, two contended atomic writes per run). Fails on the old code,
   * whose acquire() answered a boolean.
   */
  @Test
  void acquire_onTwoThreads_takesReferencesOnDifferentCounters_releasedOnAnyThread()
      throws Exception {
    Deployment d = deployment(relu());
    ExecutorService two = Executors.newFixedThreadPool(2);
    try {
      CyclicBarrier both = new CyclicBarrier(2);
      List<Future<Integer>> refs = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        refs.add(
            two.submit(
                () -> {
                  both.await(10, TimeUnit.SECONDS); // two threads, not one thread twice
                  return d.acquire();
                }));
      }
      int a = refs.get(0).get(10, TimeUnit.SECONDS);
      int b = refs.get(1).get(10, TimeUnit.SECONDS);
      assertThat(a).isNotEqualTo(Deployment.CLOSED).isNotEqualTo(b);
      assertThat(b).isNotEqualTo(Deployment.CLOSED);
      assertThat(Math.abs(a - b) * 4).as("bytes between the counters").isGreaterThanOrEqualTo(64);
      d.retire();
      d.release(a); // on this thread, not the one that took it (a batch's completion does that)
      assertThat(d.isClosed()).isFalse();
      d.release(b);
      assertThat(d.isClosed()).isTrue();
    } finally {
      two.shutdownNow();
    }
  }

  /**
   * Runs on eight threads take and give back references, and run the model in between, while the
   * deployment is retired under them: every run that got a reference completes (its session is not
   * closed under it: ONNX Runtime's Java API would throw on a closed session), every thread sees
   * the deployment closed soon after, nobody hangs, and the session is closed exactly when the last
   * reference is given back. Repeated, so that the retire lands at different points of the runs.
   */
  @Test
  void retire_whileRunsTakeAndGiveBackReferencesOnEightThreads_neverClosesUnderARun()
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      for (int round = 0; round < 20; round++) {
        LoadedModel model = relu();
        Deployment d = deployment(model);
        CountDownLatch started = new CountDownLatch(8);
        AtomicInteger runs = new AtomicInteger();
        List<Future<Integer>> workers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          workers.add(
              pool.submit(
                  () -> {
                    started.countDown();
                    int mine = 0;
                    while (true) {
                      int ref = d.acquire();
                      if (ref == Deployment.CLOSED) {
                        return mine;
                      }
                      try {
                        float x = mine % 7 - 3.5f; // never 0: ReLU(-0) is -0
                        assertThat(
                                model
                                    .run(ContractModels.reluRequest(x, -x), Deadline.none())
                                    .get(0)
                                    .asFloats())
                            .containsExactly(Math.max(0, x), Math.max(0, -x));
                        runs.incrementAndGet();
                        mine++;
                      } finally {
                        d.release(ref);
                      }
                    }
                  }));
        }
        started.await(10, TimeUnit.SECONDS);
        Thread.sleep(round % 4); // 0-3 ms of runs before the retire
        d.retire();
        int total = 0;
        for (Future<Integer> w : workers) {
          total += w.get(30, TimeUnit.SECONDS); // every thread stops: none hangs
        }
        assertThat(total).isEqualTo(runs.get());
        assertThat(d.isClosed()).as("closed once the last run gave back its reference").isTrue();
        assertThat(d.acquire()).isEqualTo(CLOSED);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static final int CLOSED = Deployment.CLOSED;

  private static LoadedModel relu() throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    return new LoadedModel(
        env, env.createSession(ContractModels.reluBytes()), "relu", "classpath:relu.onnx");
  }

  private static Deployment deployment(LoadedModel model) {
    return new Deployment(
        DeploymentSpec.of("d", ContractModels.reluOnClasspath()),
        model,
        DeploymentDescription.builder().name("d").modelName("relu").build(),
        null);
  }
}
