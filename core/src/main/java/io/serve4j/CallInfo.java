package io.serve4j;

import java.util.Objects;

/**
 * Identifies one call for {@link ServingListener}s.
 *
 * @param providerId the provider, e.g. {@code "aws"}
 * @param operation what the call does
 * @param endpoint the endpoint name, or empty for client-level calls
 * @param requestId the id of this call or operation: the request's own {@link
 *     InferenceRequest#id()} if it has one, else one core generated (a random UUID); the provider
 *     sees the same id and errors carry it
 */
public record CallInfo(
    String providerId, OperationKind operation, String endpoint, String requestId) {
  /** Validates the components. */
  public CallInfo {
    Objects.requireNonNull(providerId, "providerId");
    Objects.requireNonNull(operation, "operation");
    endpoint = endpoint == null ? "" : endpoint;
    requestId = requestId == null ? "" : requestId;
  }
}
