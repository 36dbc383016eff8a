package io.serve4j;

/** The serialisation format of a model artifact, which decides how a provider serves it. */
public enum ModelFormat {
  /** ONNX ({@code .onnx}); served by ONNX Runtime locally and by Triton in the clouds. */
  ONNX,
  /** PyTorch TorchScript. */
  TORCHSCRIPT,
  /** TensorFlow SavedModel directory. */
  TENSORFLOW_SAVED_MODEL,
  /** A pickled scikit-learn estimator. */
  SCIKIT_LEARN,
  /** An XGBoost booster. */
  XGBOOST,
  /** Anything served by a custom container image the caller names. */
  CUSTOM_CONTAINER
}
