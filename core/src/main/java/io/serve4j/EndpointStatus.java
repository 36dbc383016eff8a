package io.serve4j;

/** The lifecycle state of an endpoint or deployment, portably. */
public enum EndpointStatus {
  /** Being created; not ready for predictions. */
  CREATING,
  /** Being updated; still serving the previous configuration. */
  UPDATING,
  /** Ready for predictions. */
  IN_SERVICE,
  /** Creation or update failed; see the failure reason. */
  FAILED,
  /** Being deleted. */
  DELETING;

  /**
   * Returns whether the state will not change without a new request.
   *
   * @return true for IN_SERVICE and FAILED
   */
  public boolean isTerminal() {
    return this == IN_SERVICE || this == FAILED;
  }
}
