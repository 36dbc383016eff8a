package io.serve4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.BatchRun;
import io.serve4j.OperationProgress;
import io.serve4j.ServingListener;
import io.serve4j.internal.CallContexts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CallContextTest {
  private static final CallObserver KEEPS_BATCHES =
      new CallObserver() {
        @Override
        public void batched(BatchRun run) {}
      };

  @Test
  void requestId_fromASource_isMadeOnFirstReadOnly_andStaysTheSame() {
    AtomicInteger made = new AtomicInteger();
    CallContext ctx =
        CallContexts.lazyId(
            () -> "id-" + made.incrementAndGet(),
            Deadline.none(),
            () -> false,
            p -> {},
            true,
            CallObserver.NONE,
            true);
    assertThat(made).as("nobody asked for the id yet").hasValue(0);
    assertThat(ctx.requestId()).isEqualTo("id-1");
    assertThat(ctx.requestId()).isEqualTo("id-1");
    assertThat(made).hasValue(1);
    assertThat(ctx.retriedByCore()).isTrue();
    assertThat(ctx.deadlineEndedByCore()).isTrue();
  }

  @Test
  void builder_defaults_areThoseOfTheFormerConstructors_andAFreshRequestId() {
    Deadline deadline = Deadline.after(Duration.ofSeconds(5));
    CallContext a = CallContext.builder(deadline).build();
    CallContext b = CallContext.of(deadline);
    assertThat(a.deadline()).isSameAs(deadline);
    assertThat(a.isCancelled()).isFalse();
    assertThat(a.retriedByCore()).isFalse();
    assertThat(a.deadlineEndedByCore()).isFalse();
    assertThat(a.observesBatches()).isFalse();
    assertThat(a.enter()).isSameAs(ServingListener.Scope.NOOP);
    a.progress("nobody hears this", 0.5); // goes nowhere, throws nothing
    assertThat(UUID.fromString(a.requestId()).version()).isEqualTo(4);
    assertThat(b.requestId()).isNotEqualTo(a.requestId());
    assertThat(b.isCancelled()).isFalse();
    assertThat(b.retriedByCore()).isFalse();
  }

  @Test
  void builder_setsEveryValue() {
    List<OperationProgress> heard = new ArrayList<>();
    Deadline deadline = Deadline.after(Duration.ofSeconds(5));
    CallContext ctx =
        CallContext.builder(Deadline.none())
            .deadline(deadline)
            .requestId("r-1")
            .cancelled(() -> true)
            .progress(heard::add)
            .retriedByCore(true)
            .observer(KEEPS_BATCHES)
            .deadlineEndedByCore(true)
            .build();
    ctx.progress("half", 0.5);
    assertThat(ctx.requestId()).isEqualTo("r-1");
    assertThat(ctx.deadline()).isSameAs(deadline);
    assertThat(ctx.isCancelled()).isTrue();
    assertThat(heard).singleElement().satisfies(p -> assertThat(p.message()).isEqualTo("half"));
    assertThat(ctx.retriedByCore()).isTrue();
    assertThat(ctx.observesBatches()).isTrue();
    assertThat(ctx.deadlineEndedByCore()).isTrue();
  }

  @Test
  void toBuilder_keepsEveryValue_andDoesNotMakeALazyIdEarly() {
    AtomicInteger made = new AtomicInteger();
    Deadline deadline = Deadline.after(Duration.ofSeconds(5));
    CallContext lazy =
        CallContexts.lazyId(
            () -> "id-" + made.incrementAndGet(),
            deadline,
            () -> true,
            p -> {},
            true,
            KEEPS_BATCHES,
            true);
    CallContext copy = lazy.toBuilder().build();
    assertThat(made).as("toBuilder made no id").hasValue(0);
    assertThat(copy.requestId()).isEqualTo("id-1");
    assertThat(copy.deadline()).isSameAs(deadline);
    assertThat(copy.isCancelled()).isTrue();
    assertThat(copy.retriedByCore()).isTrue();
    assertThat(copy.observesBatches()).isTrue();
    assertThat(copy.deadlineEndedByCore()).isTrue();

    CallContext renamed = lazy.toBuilder().requestId("other").retriedByCore(false).build();
    assertThat(renamed.requestId()).isEqualTo("other");
    assertThat(renamed.retriedByCore()).isFalse();
    assertThat(lazy.requestId()).isEqualTo("id-2"); // the original reads its own source
  }

  @Test
  void builder_refusesNulls_namingTheArgument() {
    assertThatThrownBy(() -> CallContext.builder(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("deadline");
    CallContext.Builder b = CallContext.builder(Deadline.none());
    assertThatThrownBy(() -> b.requestId(null)).hasMessage("requestId");
    assertThatThrownBy(() -> b.cancelled(null)).hasMessage("cancelled");
    assertThatThrownBy(() -> b.progress(null)).hasMessage("progress");
    assertThatThrownBy(() -> b.observer(null)).hasMessage("observer");
  }
}
