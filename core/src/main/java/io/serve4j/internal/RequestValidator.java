package io.serve4j.internal;

import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.ModelSignature;
import io.serve4j.ServingException;
import io.serve4j.Tensor;
import io.serve4j.TensorSpec;
import java.util.List;

/** Checks a request against a model signature before anything is sent. */
public final class RequestValidator {
  private RequestValidator() {}

  /**
   * Validates a request's size.
   *
   * @param request the request
   * @param maxBytes the limit
   * @param endpoint endpoint name for the message
   * @throws io.serve4j.InvalidInputException if larger than the limit
   */
  public static void checkSize(InferenceRequest request, long maxBytes, String endpoint) {
    long size = request.payload().isPresent() ? request.payload().get().size() : 0L;
    List<Tensor> inputs = request.inputs();
    for (int i = 0, n = inputs.size(); i < n; i++) { // on the hot path: no stream
      size += inputs.get(i).byteSize();
    }
    if (size > maxBytes) {
      throw invalid(
          "request to endpoint '"
              + endpoint
              + "' is "
              + size
              + " bytes, above the client's limit of "
              + maxBytes
              + " (Serve4j.builder().maxRequestBytes)");
    }
  }

  /**
   * Checks a response against the client's limit.
   *
   * @param response the response (null passes: the template reports a missing answer)
   * @param maxBytes the limit
   * @param endpoint endpoint name for the message
   * @return a {@link io.serve4j.QuotaExceededException} (origin CLIENT) if the output tensors and
   *     payload together are larger than the limit, else null
   */
  public static ServingException responseTooLarge(
      InferenceResponse response, long maxBytes, String endpoint) {
    if (response == null) {
      return null;
    }
    long size = response.payload().isPresent() ? response.payload().get().size() : 0L;
    List<Tensor> outputs = response.outputs();
    for (int i = 0, n = outputs.size(); i < n; i++) { // on the hot path: no stream
      size += outputs.get(i).byteSize();
    }
    if (size <= maxBytes) {
      return null;
    }
    return ServingException.builder(ErrorCategory.QUOTA_EXCEEDED)
        .message(
            "response from endpoint '"
                + endpoint
                + "' is "
                + size
                + " bytes, above the client's limit of "
                + maxBytes
                + " (Serve4j.builder().maxResponseBytes)")
        .build();
  }

  /**
   * Validates the request against the signatures of the endpoint's deployments; it must match at
   * least one. With no signatures known there is nothing to check.
   *
   * @param request the request
   * @param signatures the known signatures
   * @param endpoint endpoint name for the message
   * @throws io.serve4j.InvalidInputException naming the input and expected vs actual type or shape
   */
  public static void validate(
      InferenceRequest request, List<ModelSignature> signatures, String endpoint) {
    if (signatures.isEmpty()
        || request.payload().isPresent()
        || request.targetModel().isPresent()) {
      // A multi-model deployment's models each have their own signature: the provider checks it.
      return;
    }
    ServingException first = null;
    for (int i = 0, n = signatures.size(); i < n; i++) { // indexed: no iterator per call
      ModelSignature s = signatures.get(i);
      try {
        validate(request, s, endpoint);
        return;
      } catch (ServingException e) {
        if (first == null) {
          first = e;
        }
      }
    }
    throw first;
  }

  /**
   * Validates the request against one signature.
   *
   * @param request the request
   * @param signature the signature
   * @param endpoint endpoint name for the message
   * @throws io.serve4j.InvalidInputException naming the input and expected vs actual type or shape
   */
  public static void validate(InferenceRequest request, ModelSignature signature, String endpoint) {
    List<Tensor> given = request.inputs();
    for (int i = 0, n = given.size(); i < n; i++) {
      Tensor t = given.get(i);
      TensorSpec spec = spec(signature.inputs(), t.name()); // no Optional per input
      if (spec == null) {
        throw invalid(
            "endpoint '"
                + endpoint
                + "' has no input '"
                + t.name()
                + "'; its inputs are "
                + signature.inputs());
      }
      if (spec.dataType() != t.dataType()) {
        throw invalid(
            "input '"
                + t.name()
                + "' of endpoint '"
                + endpoint
                + "' expects "
                + spec.dataType()
                + " but got "
                + t.dataType());
      }
      if (!spec.shape().accepts(t.shape())) {
        throw invalid(
            "input '"
                + t.name()
                + "' of endpoint '"
                + endpoint
                + "' expects shape "
                + spec.shape()
                + " (-1 = any) but got "
                + t.shape());
      }
    }
    List<TensorSpec> expected = signature.inputs();
    for (int i = 0, n = expected.size(); i < n; i++) {
      TensorSpec spec = expected.get(i);
      if (!given(given, spec.name())) { // no Optional per input
        throw invalid(
            "endpoint '" + endpoint + "' needs input " + spec + " which the request lacks");
      }
    }
    List<String> outputs = request.outputs();
    for (int i = 0, n = outputs.size(); i < n; i++) {
      String out = outputs.get(i);
      if (spec(signature.outputs(), out) == null) {
        throw invalid(
            "endpoint '"
                + endpoint
                + "' has no output '"
                + out
                + "'; its outputs are "
                + signature.outputs());
      }
    }
  }

  /** The spec named {@code name}, or null: {@link ModelSignature#input} without its Optional. */
  private static TensorSpec spec(List<TensorSpec> specs, String name) {
    for (int i = 0, n = specs.size(); i < n; i++) {
      TensorSpec s = specs.get(i);
      if (s.name().equals(name)) {
        return s;
      }
    }
    return null;
  }

  private static boolean given(List<Tensor> tensors, String name) {
    for (int i = 0, n = tensors.size(); i < n; i++) {
      if (tensors.get(i).name().equals(name)) {
        return true;
      }
    }
    return false;
  }

  private static ServingException invalid(String message) {
    return ServingException.builder(ErrorCategory.INVALID_INPUT).message(message).build();
  }
}
