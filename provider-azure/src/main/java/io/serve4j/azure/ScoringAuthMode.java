package io.serve4j.azure;

/**
 * How serve4j authenticates to an online endpoint's scoring URI; also the endpoint's {@code
 * authMode} when serve4j creates it.
 */
public enum ScoringAuthMode {
  /** Endpoint keys, fetched with the ARM {@code listKeys} action and cached ({@code Key}). */
  KEY("Key"),
  /**
   * Azure ML tokens, fetched with the ARM {@code token} action and cached until their refresh time
   * ({@code AMLToken}).
   */
  AML_TOKEN("AMLToken"),
  /**
   * Microsoft Entra ID tokens for {@code https://ml.azure.com/.default} from the options' {@code
   * TokenCredential} ({@code AADToken}).
   */
  AAD_TOKEN("AADToken");

  private final String armValue;

  ScoringAuthMode(String armValue) {
    this.armValue = armValue;
  }

  /**
   * Returns the value of the endpoint's {@code properties.authMode} in the ARM API.
   *
   * @return {@code Key}, {@code AMLToken} or {@code AADToken}
   */
  public String armValue() {
    return armValue;
  }

  /**
   * Parses an ARM {@code authMode}, case-insensitively.
   *
   * @param value the ARM value
   * @return the mode; {@link #KEY} for unknown values
   */
  public static ScoringAuthMode fromArm(String value) {
    for (ScoringAuthMode m : values()) {
      if (m.armValue.equalsIgnoreCase(value)) {
        return m;
      }
    }
    return KEY;
  }
}
