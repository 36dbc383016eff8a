package io.serve4j;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A long-running operation (deploy, update, delete, batch job) the caller can wait on with a
 * deadline, turn into a {@link CompletableFuture}, cancel, and observe.
 *
 * <pre>{@code
 * Operation<Endpoint> op = client.deploy(spec);
 * op.onProgress(p -> log.info(p.message()));
 * Endpoint endpoint = op.await(Duration.ofMinutes(20));
 * }</pre>
 *
 * @param <T> the result
 */
public interface Operation<T> {
  /**
   * Returns what the operation does, for metrics and logs; {@link #description()} is for people.
   *
   * @return the kind; {@link OperationKind#isLongRunning()} is true
   */
  OperationKind kind();

  /**
   * Returns a short description, e.g. "deploy endpoint fraud".
   *
   * @return the description
   */
  String description();

  /**
   * Waits for the result until the operation's own deadline.
   *
   * @return the result
   * @throws ServingException the operation's failure, unwrapped; {@link TimeoutException} if its
   *     deadline passed
   */
  T await();

  /**
   * Waits at most {@code timeout} for the result. The operation goes on if the wait times out;
   * {@link #cancel()} it to stop it.
   *
   * @param timeout longest wait
   * @return the result
   * @throws TimeoutException if the result did not come within the timeout
   * @throws ServingException the operation's failure, unwrapped
   */
  T await(Duration timeout);

  /**
   * Returns a future of the result. Cancelling the returned future cancels the operation.
   *
   * @return a future completed with the result or the {@link ServingException}
   */
  CompletableFuture<T> future();

  /**
   * Asks the operation to stop. Client-side waiting stops at once; the provider stops polling and,
   * where the cloud allows, stops the remote work.
   *
   * @return true if this call cancelled it, false if it had already finished
   */
  boolean cancel();

  /**
   * Returns whether the operation has finished (succeeded, failed or was cancelled).
   *
   * @return true when finished
   */
  boolean isDone();

  /**
   * Registers a progress listener; it first receives the latest report, if any.
   *
   * @param listener called on the reporting thread; must not block
   * @return this operation
   */
  Operation<T> onProgress(Consumer<OperationProgress> listener);

  /**
   * Returns the latest progress report.
   *
   * @return the report, if any was made
   */
  Optional<OperationProgress> lastProgress();
}
