package io.serve4j.cli;

import io.serve4j.ErrorCategory;

/**
 * The exit codes of the {@code serve4j} command, stable for scripts.
 *
 * <table>
 * <caption>exit codes</caption>
 * <tr><td>0</td><td>success</td></tr>
 * <tr><td>1</td><td>unexpected internal error (a bug)</td></tr>
 * <tr><td>2</td><td>usage error: unknown or missing option</td></tr>
 * <tr><td>3</td><td>batch finished, but some records are in the dead-letter file</td></tr>
 * <tr><td>4</td><td>invalid input: request, mapping, model signature mismatch</td></tr>
 * <tr><td>5</td><td>not found: endpoint, model, provider</td></tr>
 * <tr><td>6</td><td>conflict: exists already or busy</td></tr>
 * <tr><td>7</td><td>not signed in, or not allowed</td></tr>
 * <tr><td>8</td><td>quota exceeded or throttled</td></tr>
 * <tr><td>9</td><td>unavailable or timed out: try again later</td></tr>
 * <tr><td>10</td><td>the provider cannot do this</td></tr>
 * <tr><td>11</td><td>the model failed to load or to compute</td></tr>
 * <tr><td>12</td><td>a file could not be read or written</td></tr>
 * <tr><td>13</td><td>another run of the same batch job is running (it holds the job's lock)</td></tr>
 * </table>
 */
public final class ExitCodes {
  /** Success. */
  public static final int OK = 0;

  /** An unexpected error: a bug. */
  public static final int INTERNAL = 1;

  /** Bad command line. */
  public static final int USAGE = 2;

  /** Batch finished with records in the dead-letter file. */
  public static final int PARTIAL = 3;

  /** Invalid input. */
  public static final int INVALID_INPUT = 4;

  /** Something does not exist. */
  public static final int NOT_FOUND = 5;

  /** Exists already, or busy. */
  public static final int CONFLICT = 6;

  /** Unauthenticated or permission denied. */
  public static final int AUTH = 7;

  /** Quota exceeded or throttled. */
  public static final int QUOTA = 8;

  /** Unavailable or timed out. */
  public static final int UNAVAILABLE = 9;

  /** Unsupported capability. */
  public static final int UNSUPPORTED = 10;

  /** Model load or model error. */
  public static final int MODEL = 11;

  /** File I/O failure. */
  public static final int IO = 12;

  /**
   * Another run of the same batch job (same output) holds the job's lock ({@link
   * io.serve4j.batch.JobLockedException}); nothing was written.
   */
  public static final int LOCKED = 13;

  private ExitCodes() {}

  /**
   * Returns the exit code of an error category.
   *
   * @param category the category
   * @return the code
   */
  public static int of(ErrorCategory category) {
    return switch (category) {
      case INVALID_INPUT -> INVALID_INPUT;
      case NOT_FOUND -> NOT_FOUND;
      case CONFLICT -> CONFLICT;
      case UNAUTHENTICATED, PERMISSION_DENIED -> AUTH;
      case QUOTA_EXCEEDED, THROTTLED -> QUOTA;
      case UNAVAILABLE, TIMEOUT -> UNAVAILABLE;
      case UNSUPPORTED_CAPABILITY -> UNSUPPORTED;
      case MODEL_LOAD, MODEL_ERROR -> MODEL;
      case INTERNAL -> INTERNAL;
    };
  }
}
