package io.serve4j.spi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RedactorTest {
  static final String SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  static final String SESSION_TOKEN =
      "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6f1Xp0KzYx"
          + "AiEA5w8l0Rr3TQvuS1j8Vx2ExAmPlEtOkEnVaLuE0123456789abcdefABCDEF";

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Authorization: Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
        "{\"error\":\"bad\",\"primaryKey\":\"s3cr3tPrimaryValue\"}",
        "{\"key\": \"s3cr3tPrimaryValue\"}",
        "https://acct.blob.core.windows.net/c/b?sv=2022&sig=s3cr3tPrimaryValue%3D&se=2030",
        "url ...&X-Amz-Security-Token=s3cr3tPrimaryValue&X-Amz-Signature=s3cr3tPrimaryValue",
        "x-amz-security-token: s3cr3tPrimaryValue",
        "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=s3cr3tPrimaryValue;",
        "api-key: s3cr3tPrimaryValue",
        "token=s3cr3tPrimaryValue",
        "bearer s3cr3tPrimaryValue",
        "client_secret=s3cr3tPrimaryValue",
      })
  void redact_removesCredentialShapedContent(String body) {
    String out = Redactor.redact(body);
    assertThat(out).doesNotContain("s3cr3tPrimaryValue").contains(Redactor.REDACTED);
    assertThat(out).doesNotContain("c2lnbmF0dXJl");
  }

  @Test
  void redact_removesAwsKeysAndSessionTokens() {
    String body =
        "The security token included in the request is invalid: AKIAIOSFODNN7EXAMPLE "
            + SECRET_KEY
            + " "
            + SESSION_TOKEN;
    String out = Redactor.redact(body);
    assertThat(out)
        .doesNotContain("AKIAIOSFODNN7EXAMPLE")
        .doesNotContain(SECRET_KEY)
        .doesNotContain(SESSION_TOKEN.substring(10, 60))
        .startsWith("The security token included in the request is invalid");
  }

  @Test
  void redact_keepsOrdinaryErrorText() {
    String text =
        "ValidationException: Could not find endpoint \"fraud-v2\" (request"
            + " 3f2b8c1e-1111-2222-3333-444455556666, sha 0123456789abcdef0123456789abcdef01234567)";
    assertThat(Redactor.redact(text)).isEqualTo(text);
    assertThat(Redactor.redact(null)).isNull();
  }

  @Test
  void excerpt_redactsBeforeItCuts() {
    String body = "word ".repeat(98) + " AccountKey=s3cr3tPrimaryValue and more words here";
    String out = Redactor.excerpt(body, 500);
    assertThat(out).doesNotContain("s3cr3t").endsWith("...");
  }
}
