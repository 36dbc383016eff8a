package io.serve4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

class SideBySideTest {
  @Test
  void untilQuiet_stopsAfterTheFirstRoundInWhichTheCompilerDidNothing() throws Exception {
    AtomicInteger raw = new AtomicInteger();
    AtomicInteger serve4j = new AtomicInteger();
    // compiler time read before and after each round: moves in round 1 and 2, not in round 3
    long[] clock = {0, 5, 5, 9, 9, 9, 20, 30};
    AtomicInteger reads = new AtomicInteger();
    LongSupplier compiler = () -> clock[reads.getAndIncrement()];
    int[] rounds = {0};

    boolean quiet =
        SideBySide.untilQuiet(
            raw::incrementAndGet, serve4j::incrementAndGet, 10, compiler, () -> true, rounds);

    assertThat(quiet).isTrue();
    assertThat(rounds[0]).isEqualTo(3);
    assertThat(raw.get()).isEqualTo(3 * SideBySide.QUIET_ROUND_PAIRS);
    assertThat(serve4j.get()).isEqualTo(3 * SideBySide.QUIET_ROUND_PAIRS);
  }

  @Test
  void untilQuiet_aRoundWithoutCompileTimeIsNotQuiet_whileTheCompilerStillHasWork()
      throws Exception {
    // the compiler's time never moves (its threads got no CPU), but its queue empties only
    // after the third round
    AtomicInteger idleChecks = new AtomicInteger();
    int[] rounds = {0};

    boolean quiet =
        SideBySide.untilQuiet(
            () -> {}, () -> {}, 10, () -> 7, () -> idleChecks.incrementAndGet() >= 3, rounds);

    assertThat(quiet).isTrue();
    assertThat(rounds[0]).isEqualTo(3);
  }

  @Test
  void compilerQueueEmpty_readsTheDiagnosticCommandsText() {
    assertThat(
            SideBySide.compilerQueueEmpty(
                "Current compiles: \n\nC1 compile queue:\nEmpty\n\nC2 compile queue:\nEmpty\n"))
        .isTrue();
    assertThat(
            SideBySide.compilerQueueEmpty(
                "Current compiles: \nC2 CompilerThread0  1137   !   4       a.B::c (497 bytes)\n\n"
                    + "C1 compile queue:\nEmpty\n\nC2 compile queue:\nEmpty\n"))
        .isFalse();
    assertThat(
            SideBySide.compilerQueueEmpty(
                "Current compiles: \n\nC1 compile queue:\nEmpty\n\nC2 compile queue:\n"
                    + "1132       4       a.B::c (30 bytes)\n"))
        .isFalse();
  }

  @Test
  void untilQuiet_givesUpAfterMaxRounds_andSaysSo() throws Exception {
    AtomicLong clock = new AtomicLong();
    int[] rounds = {0};

    boolean quiet =
        SideBySide.untilQuiet(() -> {}, () -> {}, 4, clock::incrementAndGet, () -> true, rounds);

    assertThat(quiet).isFalse();
    assertThat(rounds[0]).isEqualTo(4);
  }

  @Test
  void untilQuiet_withoutACompilerClock_runsNothing() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    int[] rounds = {0};

    assertThat(
            SideBySide.untilQuiet(
                calls::incrementAndGet, calls::incrementAndGet, 5, null, () -> true, rounds))
        .isFalse();
    assertThat(calls.get()).isZero();
    assertThat(rounds[0]).isZero();
  }

  @Test
  void run_warmsUpUntilTheCompilerIsQuiet_beyondAThirdOfTheIterations() throws Exception {
    AtomicInteger raw = new AtomicInteger();
    AtomicInteger serve4j = new AtomicInteger();

    SideBySide.Result r =
        SideBySide.run(
            "counting",
            raw::incrementAndGet,
            serve4j::incrementAndGet,
            new SideBySide.Settings(30, 0, 3, 1, 0, 0, 50));

    // 10 warm-up and 30 measured pairs, and at least one round of quiet warm-up
    assertThat(r.quietRounds()).isBetween(1, 50);
    assertThat(raw.get()).isEqualTo(40 + r.quietRounds() * SideBySide.QUIET_ROUND_PAIRS);
    assertThat(serve4j.get()).isEqualTo(raw.get());
    assertThat(r.report()).contains("rounds of 1000 pairs: compiler");
  }

  @Test
  void run_withoutQuietRounds_warmsUpAThirdOfTheIterationsOnly() throws Exception {
    AtomicInteger raw = new AtomicInteger();

    SideBySide.Result r =
        SideBySide.run(
            "counting", raw::incrementAndGet, () -> {}, new SideBySide.Settings(30, 0, 3, 1));

    assertThat(raw.get()).isEqualTo(40);
    assertThat(r.quietRounds()).isZero();
    assertThat(r.quiet()).isFalse();
  }

  @Test
  void settingsFromSystemProperties_warmUntilQuietByDefault() {
    assertThat(SideBySide.Settings.fromSystemProperties().quietRounds()).isEqualTo(60);
  }
}
