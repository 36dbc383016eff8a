package io.serve4j.local.internal;

import ai.onnxruntime.OrtException;
import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import io.serve4j.local.LocalProvider;

/**
 * The local provider's one error mapper: ONNX Runtime's exceptions become typed {@link
 * ServingException}s carrying ONNX Runtime's own message and the original cause.
 *
 * <ul>
 *   <li>any failure while reading or loading a model: {@code MODEL_LOAD} (with the artifact path);
 *   <li>a run terminated at its deadline: {@code TIMEOUT};
 *   <li>any other failure of a run: {@code MODEL_ERROR};
 *   <li>a {@link LinkageError} from the native library: {@code UNAVAILABLE}.
 * </ul>
 */
public final class Errors {
  private Errors() {}

  /**
   * A model load failure.
   *
   * @param artifact the artifact as the user gave it (path or URI)
   * @param what what was being done, e.g. "load"
   * @param cause ONNX Runtime's exception or an I/O error
   * @return a {@code ModelLoadException}
   */
  public static ServingException modelLoad(String artifact, String what, Throwable cause) {
    return ServingException.builder(ErrorCategory.MODEL_LOAD)
        .fromService()
        .providerId(LocalProvider.ID)
        .message(
            "could not "
                + what
                + " model "
                + artifact
                + ": "
                + (cause instanceof OrtException o ? ortMessage(o) : String.valueOf(cause)))
        .cause(cause)
        .build();
  }

  /**
   * A run failure.
   *
   * @param what what ran, e.g. "deployment 'blue' of endpoint 'fraud'"
   * @param cause ONNX Runtime's exception
   * @return a {@code ModelErrorException}
   */
  public static ServingException modelError(String what, Throwable cause) {
    return ServingException.builder(ErrorCategory.MODEL_ERROR)
        .fromService()
        .providerId(LocalProvider.ID)
        .message(
            "ONNX Runtime failed to run "
                + what
                + ": "
                + (cause instanceof OrtException o ? ortMessage(o) : String.valueOf(cause)))
        .cause(cause)
        .build();
  }

  /**
   * A run stopped at its deadline.
   *
   * @param what what ran
   * @param cause ONNX Runtime's exception after termination, or null
   * @return a {@code TimeoutException}
   */
  public static ServingException timeout(String what, Throwable cause) {
    return ServingException.builder(ErrorCategory.TIMEOUT)
        .providerId(LocalProvider.ID)
        .message(what + " did not finish before its deadline")
        .cause(cause)
        .build();
  }

  /**
   * Any other typed error.
   *
   * @param category the category
   * @param message the message
   * @return the exception
   */
  public static ServingException of(ErrorCategory category, String message) {
    return ServingException.builder(category).providerId(LocalProvider.ID).message(message).build();
  }

  /**
   * ONNX Runtime's message with its error code.
   *
   * @param e the exception
   * @return e.g. "[ORT_NO_SUCHFILE] Load model from x failed"
   */
  static String ortMessage(OrtException e) {
    return "[" + e.getCode() + "] " + e.getMessage();
  }
}
