package io.serve4j.examples.boot;

import io.serve4j.Endpoint;
import io.serve4j.InferenceRequest;
import io.serve4j.ServingException;
import io.serve4j.Tensor;
import java.util.Arrays;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /predict}: rows of features in, rows of outputs out, through the {@code mlp}
 * endpoint. Serve4j's typed errors become RFC 9457 problem details with the error category.
 */
@RestController
class PredictController {
  private final Endpoint mlp;

  PredictController(Endpoint mlp) {
    this.mlp = mlp;
  }

  /**
   * The request: {@code {"x": [[f, f, f, f], ...]}}.
   *
   * @param x one row of features per example
   */
  record PredictRequest(float[][] x) {}

  /**
   * The answer: {@code {"y": [[f, f], ...]}}, one row per example.
   *
   * @param y the model's output rows
   */
  record PredictResponse(float[][] y) {}

  @PostMapping("/predict")
  PredictResponse predict(@RequestBody PredictRequest request) {
    float[][] x = request.x();
    if (x == null || x.length == 0) {
      throw new IllegalArgumentException("x must hold at least one row");
    }
    int width = x[0].length;
    float[] flat = new float[x.length * width];
    for (int i = 0; i < x.length; i++) {
      if (x[i] == null || x[i].length != width) {
        throw new IllegalArgumentException("every row of x must have " + width + " values");
      }
      System.arraycopy(x[i], 0, flat, i * width, width);
    }
    Tensor y =
        mlp.predict(InferenceRequest.of(Tensor.ofFloats("x", new long[] {x.length, width}, flat)))
            .output("y");
    int cols = (int) y.shape().dim(1);
    float[] v = y.asFloats();
    float[][] rows = new float[x.length][];
    for (int i = 0; i < x.length; i++) {
      rows[i] = Arrays.copyOfRange(v, i * cols, (i + 1) * cols);
    }
    return new PredictResponse(rows);
  }

  @ExceptionHandler(IllegalArgumentException.class)
  ProblemDetail badRequest(IllegalArgumentException e) {
    ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
    p.setProperty("category", "INVALID_INPUT");
    return p;
  }

  @ExceptionHandler(ServingException.class)
  ProblemDetail servingError(ServingException e) {
    // A ServingException's message never carries a secret; its cause is not shown.
    ProblemDetail p = ProblemDetail.forStatusAndDetail(status(e), e.getMessage());
    p.setProperty("category", e.category().name());
    p.setProperty("retryable", e.retryable());
    e.requestId().ifPresent(id -> p.setProperty("requestId", id));
    return p;
  }

  private static HttpStatus status(ServingException e) {
    return switch (e.category()) {
      case INVALID_INPUT -> HttpStatus.BAD_REQUEST;
      case NOT_FOUND -> HttpStatus.NOT_FOUND;
      case THROTTLED, QUOTA_EXCEEDED -> HttpStatus.TOO_MANY_REQUESTS;
      case UNAVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE;
      case TIMEOUT -> HttpStatus.GATEWAY_TIMEOUT;
      case MODEL_ERROR, MODEL_LOAD, UNAUTHENTICATED, PERMISSION_DENIED -> HttpStatus.BAD_GATEWAY;
      default -> HttpStatus.INTERNAL_SERVER_ERROR;
    };
  }
}
