package io.serve4j.spi;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place that strips credential-like content from text a service sent back (an error body, a
 * message) before it enters an exception message or a log line: {@code Authorization} and {@code
 * Bearer} values, SAS and presigned-URL query parameters ({@code sig=}, {@code X-Amz-Signature=},
 * {@code X-Amz-Security-Token=}, {@code X-Amz-Credential=}), header-shaped {@code
 * x-amz-security-token: ...} and API-key headers, JSON fields whose name speaks of a key, token,
 * secret, password or signature, {@code name=value} secrets (AccountKey, client_secret...), AWS
 * access key ids, AWS secret-key and session-token shaped values, and JWTs. Each is replaced by
 * {@code [REDACTED]}; the rest of the text is kept so that the error still says what went wrong.
 *
 * <p>It errs on the side of hiding: a long random-looking value is hidden even if it was harmless.
 */
public final class Redactor {
  /** What replaces a secret. */
  public static final String REDACTED = "[REDACTED]";

  private static final String SECRET_NAMES =
      "[a-z0-9_\\-]*(?:key|token|secret|password|passwd|pwd|signature|sig|credential|"
          + "authorization|cookie)[a-z0-9_\\-]*";

  private record Rule(Pattern pattern, String replacement) {}

  private static final List<Rule> RULES =
      List.of(
          // "primaryKey": "...", "SessionToken": "...", "client_secret": "..."
          new Rule(
              Pattern.compile("(?i)(\"" + SECRET_NAMES + "\"\\s*:\\s*)\"(?:[^\"\\\\]|\\\\.)*\""),
              "$1\"" + REDACTED + "\""),
          // Authorization: Bearer x / Proxy-Authorization: Basic y / Cookie: ...
          new Rule(
              Pattern.compile(
                  "(?i)\\b((?:proxy-)?authorization|cookie|set-cookie)(\\s*[:=]\\s*)"
                      + "[^\\r\\n\"]+"),
              "$1$2" + REDACTED),
          new Rule(
              Pattern.compile(
                  "(?i)\\b(bearer|basic|sharedaccesssignature)\\s+[A-Za-z0-9\\-._~+/=%&:]+"),
              "$1 " + REDACTED),
          // x-amz-security-token: ..., api-key: ..., ocp-apim-subscription-key: ...
          new Rule(
              Pattern.compile(
                  "(?i)\\b(x-amz-security-token|x-amz-signature|x-amz-credential|x-api-key|api-key"
                      + "|ocp-apim-subscription-key|x-functions-key|x-goog-api-key)(\\s*[:=]\\s*)"
                      + "[^\\s&,;\"']+"),
              "$1$2" + REDACTED),
          // query parameters: ?sig=..., &X-Amz-Signature=..., &access_token=..., &key=...
          new Rule(
              Pattern.compile(
                  "(?i)([?&;](?:sig|signature|x-amz-signature|x-amz-security-token|x-amz-credential"
                      + "|x-goog-signature|x-goog-credential|access_token|id_token|token|code|key"
                      + "|api_key|apikey|client_secret)=)[^&\\s\"'<>]+"),
              "$1" + REDACTED),
          // AccountKey=...; password=...; secret: ...
          new Rule(
              Pattern.compile(
                  "(?i)\\b(accountkey|sharedaccesskey|client_secret|secret_?access_?key"
                      + "|aws_secret_access_key|aws_session_token|session_?token|secret|password"
                      + "|passwd|api_?key|primary_?key|secondary_?key|access_?token|token|key|sig)"
                      + "(\\s*[:=]\\s*)"
                      + "[^\\s&,;\"']+"),
              "$1$2" + REDACTED),
          // JWTs
          new Rule(
              Pattern.compile("\\beyJ[A-Za-z0-9_\\-]+\\.[A-Za-z0-9_\\-]+\\.[A-Za-z0-9_\\-]+"),
              REDACTED),
          // AWS access key ids
          new Rule(Pattern.compile("\\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{16}\\b"), REDACTED),
          // session tokens and other long base64 runs
          new Rule(Pattern.compile("(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{80,}={0,2}"), REDACTED),
          // AWS secret access keys: 40 base64 characters mixing upper and lower case
          new Rule(
              Pattern.compile(
                  "(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]{0,39}[A-Z])(?=[A-Za-z0-9/+]{0,39}[a-z])"
                      + "[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"),
              REDACTED));

  private Redactor() {}

  /**
   * Returns the text with credential-like content replaced by {@link #REDACTED}.
   *
   * @param text service text, or null
   * @return the redacted text (null for null)
   */
  public static String redact(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    String out = text;
    for (Rule r : RULES) {
      Matcher m = r.pattern().matcher(out);
      if (m.find()) {
        out = m.replaceAll(r.replacement());
      }
    }
    return out;
  }

  /**
   * Redacts and bounds a service body for a message.
   *
   * @param body the body, or null
   * @param max the most characters to keep
   * @return the redacted, bounded text (empty for null)
   */
  public static String excerpt(String body, int max) {
    if (body == null) {
      return "";
    }
    String r = redact(body);
    return r.length() > max ? r.substring(0, max) + "..." : r;
  }
}
