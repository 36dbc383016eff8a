package io.serve4j;

/**
 * The name and digest rules of the specs, checked by hand rather than by {@link
 * java.util.regex.Pattern}: a first deploy in a fresh JVM then compiles no regular expression (cold
 * start). {@code NamesTest} holds each rule to the regular expression it replaces.
 */
final class Names {
  private Names() {}

  /**
   * Whether {@code s} is 1 to {@code maxLength} characters, each an ASCII letter or digit or one of
   * {@code punctuation}, the first a letter or digit: {@code [A-Za-z0-9][A-Za-z0-9<punctuation>]{0,
   * maxLength - 1}}.
   */
  static boolean isName(String s, int maxLength, String punctuation) {
    int n = s.length();
    if (n == 0 || n > maxLength) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (!isAsciiLetterOrDigit(c) && (i == 0 || punctuation.indexOf(c) < 0)) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code s} is 64 lower-case hexadecimal digits: {@code [0-9a-f]{64}}. */
  static boolean isSha256Hex(String s) {
    if (s.length() != 64) {
      return false;
    }
    for (int i = 0; i < 64; i++) {
      char c = s.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }

  private static boolean isAsciiLetterOrDigit(char c) {
    return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9';
  }
}
