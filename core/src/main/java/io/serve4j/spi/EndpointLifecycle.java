package io.serve4j.spi;

import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.Mirror;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The endpoint-lifecycle role of a provider: create, update, change traffic, delete, describe and
 * list endpoints. Core calls these only after validation and capability checks, with a {@link
 * CallContext} carrying the deadline; core maps failures through the provider's {@link
 * ErrorMapper}, adds listeners and timeouts, and cancels the returned future when the caller
 * cancels. A hook completes its future exceptionally, never throws.
 *
 * <p>Long-running hooks (create, update, updateTraffic, delete) complete when the work is done,
 * poll with {@link Polling}, stop when {@link CallContext#isCancelled()} or the deadline passes,
 * and report progress through {@link CallContext#progress}. Core retries {@link #describeEndpoint}
 * and {@link #listEndpoints} itself ({@link CallContext#retriedByCore()} is true): for those the
 * provider makes exactly one wire attempt.
 */
public interface EndpointLifecycle {
  /**
   * Creates an endpoint and its deployments, completing when it is in service.
   *
   * @param spec validated spec
   * @param context deadline, cancellation, progress
   * @return the description once in service
   */
  CompletableFuture<EndpointDescription> createEndpoint(EndpointSpec spec, CallContext context);

  /**
   * Replaces an endpoint's configuration, completing when the update is in service.
   *
   * @param spec validated spec, same name
   * @param context deadline, cancellation, progress
   * @return the new description
   */
  CompletableFuture<EndpointDescription> updateEndpoint(EndpointSpec spec, CallContext context);

  /**
   * Changes the live traffic split (and mirror) between existing deployments.
   *
   * @param endpoint endpoint name
   * @param traffic validated split
   * @param mirror the mirror to keep or set, or null for none
   * @param context deadline, cancellation, progress
   * @return the new description
   */
  CompletableFuture<EndpointDescription> updateTraffic(
      String endpoint, Map<String, Integer> traffic, Mirror mirror, CallContext context);

  /**
   * Deletes an endpoint and what serve4j created for it; the delete request itself is one wire
   * attempt.
   *
   * @param endpoint endpoint name
   * @param context deadline, cancellation, progress
   * @return completes when gone; NotFound if it did not exist
   */
  CompletableFuture<Void> deleteEndpoint(String endpoint, CallContext context);

  /**
   * Describes an endpoint with one wire attempt (core retries).
   *
   * @param endpoint endpoint name
   * @param context deadline
   * @return the description; NotFound if missing
   */
  CompletableFuture<EndpointDescription> describeEndpoint(String endpoint, CallContext context);

  /**
   * Lists endpoints with one wire attempt per page (core retries).
   *
   * @param context deadline
   * @return the descriptions
   */
  CompletableFuture<List<EndpointDescription>> listEndpoints(CallContext context);
}
