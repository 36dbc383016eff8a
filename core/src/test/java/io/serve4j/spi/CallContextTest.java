package io.serve4j.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CallContextTest {
  @Test
  void requestId_fromASource_isMadeOnFirstReadOnly_andStaysTheSame() {
    AtomicInteger made = new AtomicInteger();
    CallContext ctx =
        new CallContext(
            () -> "id-" + made.incrementAndGet(),
            Deadline.none(),
            () -> false,
            p -> {},
            true,
            CallObserver.NONE);
    assertThat(made).as("nobody asked for the id yet").hasValue(0);
    assertThat(ctx.requestId()).isEqualTo("id-1");
    assertThat(ctx.requestId()).isEqualTo("id-1");
    assertThat(made).hasValue(1);
  }
}
