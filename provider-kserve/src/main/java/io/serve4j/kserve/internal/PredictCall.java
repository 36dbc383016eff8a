package io.serve4j.kserve.internal;

import io.serve4j.DeploymentDescription;
import io.serve4j.EndpointDescription;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.ServingException;
import io.serve4j.kserve.KserveProvider;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.EndpointLifecycle;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * One prediction as both wires ({@link OipRest}, {@link OipGrpc}) send it, set up once: the
 * endpoint described if core had no description, a raw payload refused, the model the service
 * serves, the time left of the call's deadline (none left: core's timeout error, nothing sent) and
 * the request id to send. A refused answer is read by {@link KServeErrors}.
 *
 * @param name the endpoint name
 * @param endpoint its description
 * @param request the request
 * @param model the model name the service serves (its first deployment's, else the endpoint's)
 * @param timeout the time left of the call's deadline, positive
 * @param requestId the request id, sent as {@value OipRest#REQUEST_ID}
 */
record PredictCall(
    String name,
    EndpointDescription endpoint,
    InferenceRequest request,
    String model,
    Duration timeout,
    String requestId) {

  /**
   * Sets a prediction up and hands it to a wire.
   *
   * @param lifecycle to describe an endpoint core could not describe
   * @param name the endpoint name
   * @param endpoint its description, or null
   * @param request the request
   * @param ctx the call's context
   * @param wire sends the call
   * @return the wire's answer
   */
  static CompletableFuture<InferenceResponse> send(
      EndpointLifecycle lifecycle,
      String name,
      EndpointDescription endpoint,
      InferenceRequest request,
      CallContext ctx,
      Function<PredictCall, CompletableFuture<InferenceResponse>> wire) {
    CompletableFuture<EndpointDescription> known =
        endpoint != null
            ? CompletableFuture.completedFuture(endpoint)
            : lifecycle.describeEndpoint(name, ctx);
    return known.thenCompose(d -> wire.apply(of(name, d, request, ctx)));
  }

  /**
   * Sets a prediction up.
   *
   * @param name the endpoint name
   * @param d its description
   * @param request the request
   * @param ctx the call's context
   * @return the call
   * @throws ServingException UNSUPPORTED_CAPABILITY for a raw payload; TIMEOUT with no time left
   */
  static PredictCall of(
      String name, EndpointDescription d, InferenceRequest request, CallContext ctx) {
    if (request.payload().isPresent()) {
      throw ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY)
          .providerId(KserveProvider.ID)
          .message("the KServe provider sends Open Inference Protocol tensors, not raw payloads")
          .build();
    }
    Duration left = ctx.deadline().remaining();
    if (left.isZero()) {
      throw ctx.deadline().timeoutError(what(name));
    }
    String model =
        d.deployments().stream().findFirst().map(DeploymentDescription::modelName).orElse(name);
    return new PredictCall(name, d, request, model, left, ctx.requestId());
  }

  /**
   * What the call does, for error messages.
   *
   * @return {@code predict on endpoint 'NAME'}
   */
  String what() {
    return what(name);
  }

  private static String what(String name) {
    return "predict on endpoint '" + name + "'";
  }
}
