package io.serve4j.testkit.memory;

import io.serve4j.DeploymentSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;

/**
 * Computes the in-memory provider's predictions: the function a test supplies in place of a model.
 */
@FunctionalInterface
public interface Predictor {
  /**
   * Answers one request.
   *
   * @param deployment the deployment chosen by the traffic split (or pinned)
   * @param request the validated request
   * @return the response; model name, version and deployment are filled in when absent
   * @throws io.serve4j.ServingException to simulate a typed failure
   */
  InferenceResponse predict(DeploymentSpec deployment, InferenceRequest request);
}
