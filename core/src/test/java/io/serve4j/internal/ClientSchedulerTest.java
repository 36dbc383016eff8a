package io.serve4j.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The pool of the client's own scheduler is made at its first use, and behaves as the real one
 * after.
 */
class ClientSchedulerTest {
  @Test
  void nothingScheduled_makesNoScheduler_andShutsDownWithoutOne() throws Exception {
    ClientScheduler s = new ClientScheduler("t-");
    assertThat(s.isShutdown()).isFalse();
    assertThat(s.shutdownNow()).isEmpty();
    assertThat(s.made()).isFalse();
    assertThat(s.isShutdown()).isTrue();
    assertThat(s.isTerminated()).isTrue();
    assertThat(s.awaitTermination(1, TimeUnit.MILLISECONDS)).isTrue();
  }

  @Test
  void aTask_makesTheScheduler_onADaemonThreadNamedByThePrefix() throws Exception {
    ClientScheduler s = new ClientScheduler("lazy-test-");
    try {
      CountDownLatch ran = new CountDownLatch(1);
      String[] name = new String[1];
      boolean[] daemon = new boolean[1];
      s.schedule(
          () -> {
            name[0] = Thread.currentThread().getName();
            daemon[0] = Thread.currentThread().isDaemon();
            ran.countDown();
          },
          1,
          TimeUnit.MILLISECONDS);
      assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(s.made()).isTrue();
      assertThat(name[0]).startsWith("lazy-test-");
      assertThat(daemon[0]).isTrue();
    } finally {
      s.shutdownNow();
    }
    assertThat(s.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void afterShutdown_tasksAreRefused_asByTheRealScheduler() {
    ClientScheduler s = new ClientScheduler("t-");
    s.shutdown();
    assertThatThrownBy(() -> s.schedule(() -> {}, 1, TimeUnit.SECONDS))
        .isInstanceOf(RejectedExecutionException.class);
    assertThat(s.isShutdown()).isTrue();
  }
}
