package io.serve4j.aws.internal;

import io.serve4j.spi.CallContext;
import io.serve4j.spi.Deadline;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;

/** Deadlines of AWS SDK calls: the caller's, or the clean-up budget. */
final class AwsCalls {
  /**
   * How long clean-up calls made after a failure or cancellation may take; the caller's deadline
   * may be what failed, so they get their own.
   */
  static final Duration CLEANUP_TIMEOUT = Duration.ofMinutes(2);

  private AwsCalls() {}

  /**
   * The caller's deadline as the SDK's API call timeout, which bounds the call with all its SDK
   * attempts; an already expired deadline becomes 1 ms, so the SDK fails the call at once as a
   * timeout. An infinite deadline leaves the SDK's own setting (none by default).
   *
   * @param ctx the call's context
   * @return the request override for one SDK call
   */
  static AwsRequestOverrideConfiguration timeout(CallContext ctx) {
    AwsRequestOverrideConfiguration.Builder b = AwsRequestOverrideConfiguration.builder();
    if (ctx.deadline().isFinite()) {
      Duration left = ctx.deadline().remaining();
      b.apiCallTimeout(left.compareTo(Duration.ofMillis(1)) < 0 ? Duration.ofMillis(1) : left);
    }
    return b.build();
  }

  /**
   * The override for a clean-up call: {@link #CLEANUP_TIMEOUT}, not the caller's deadline.
   *
   * @return the request override
   */
  static AwsRequestOverrideConfiguration cleanupTimeout() {
    return timeout(cleanupContext());
  }

  /**
   * A context for clean-up work with {@link #CLEANUP_TIMEOUT}.
   *
   * @return the context
   */
  static CallContext cleanupContext() {
    return CallContext.of(Deadline.after(CLEANUP_TIMEOUT));
  }

  /**
   * Throws if the caller cancelled: called between the steps of an operation, so nothing is created
   * after a cancel.
   *
   * @param ctx the call's context
   * @throws CancellationException if cancelled
   */
  static void checkCancelled(CallContext ctx) {
    if (ctx.isCancelled()) {
      throw new CancellationException("cancelled by the caller");
    }
  }
}
