package io.serve4j.micrometer;

import io.micrometer.observation.Observation;
import io.serve4j.CallInfo;
import io.serve4j.ErrorCategory;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@link Observation.Context} of one serve4j call: what is called ({@link CallInfo}), and once
 * it ended the deployment that served it, the error category and the retries.
 */
public final class ServingObservationContext extends Observation.Context {
  private final CallInfo call;
  private volatile String deployment;
  private volatile ErrorCategory errorCategory;
  private volatile int retries;
  private volatile boolean ended;

  /**
   * Creates the context of a call.
   *
   * @param call what is called
   */
  public ServingObservationContext(CallInfo call) {
    this.call = Objects.requireNonNull(call, "call");
  }

  /**
   * Returns what is called.
   *
   * @return the call
   */
  public CallInfo call() {
    return call;
  }

  /**
   * Returns the deployment that served a prediction, once known.
   *
   * @return the deployment
   */
  public Optional<String> deployment() {
    return Optional.ofNullable(deployment);
  }

  /**
   * Returns the category of the error the call ended with, if it failed.
   *
   * @return the category
   */
  public Optional<ErrorCategory> errorCategory() {
    return Optional.ofNullable(errorCategory);
  }

  /**
   * Returns how many times the call was retried so far.
   *
   * @return the retries
   */
  public int retries() {
    return retries;
  }

  /**
   * Returns whether the call has ended (its outcome is known).
   *
   * @return true once ended
   */
  public boolean ended() {
    return ended;
  }

  void retries(int retries) {
    this.retries = retries;
  }

  void outcome(String deployment, ErrorCategory category, boolean retried) {
    this.deployment = deployment;
    this.errorCategory = category;
    this.ended = true;
  }
}
