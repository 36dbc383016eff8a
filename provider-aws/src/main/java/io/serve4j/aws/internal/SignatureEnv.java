package io.serve4j.aws.internal;

import io.serve4j.ModelSignature;
import io.serve4j.spi.formats.SignatureJson;
import java.util.Map;
import java.util.Optional;

/**
 * Keeps a model's signature ({@link SignatureJson}) in its SageMaker model environment, so that a
 * fresh client can validate requests before sending them. SageMaker holds at most 1,024 characters
 * per environment value, so longer text is split over {@code SERVE4J_SIGNATURE}, {@code
 * SERVE4J_SIGNATURE_1}, ... up to {@value #MAX_PARTS} parts; a signature longer than that is not
 * kept (SageMaker's container then validates alone).
 */
final class SignatureEnv {
  static final String KEY = "SERVE4J_SIGNATURE";
  static final int MAX_VALUE = 1024;
  static final int MAX_PARTS = 8;

  private SignatureEnv() {}

  /**
   * Puts a signature into an environment.
   *
   * @param env the model's environment
   * @param signature the signature
   * @return whether it was kept
   */
  static boolean put(Map<String, String> env, ModelSignature signature) {
    String json = SignatureJson.write(signature);
    int parts = (json.length() + MAX_VALUE - 1) / MAX_VALUE;
    if (parts > MAX_PARTS) {
      return false;
    }
    for (int i = 0; i < parts; i++) {
      String part = json.substring(i * MAX_VALUE, Math.min(json.length(), (i + 1) * MAX_VALUE));
      env.put(i == 0 ? KEY : KEY + "_" + i, part);
    }
    return true;
  }

  /**
   * Reads a signature from an environment.
   *
   * @param env the model's environment
   * @return the signature, empty if none is kept or it cannot be read
   */
  static Optional<ModelSignature> read(Map<String, String> env) {
    String first = env.get(KEY);
    if (first == null) {
      return Optional.empty();
    }
    StringBuilder json = new StringBuilder(first);
    for (int i = 1; i < MAX_PARTS; i++) {
      String part = env.get(KEY + "_" + i);
      if (part == null) {
        break;
      }
      json.append(part);
    }
    return SignatureJson.read(json.toString());
  }
}
