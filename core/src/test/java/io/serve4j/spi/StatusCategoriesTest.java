package io.serve4j.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.ErrorCategory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StatusCategoriesTest {
  @ParameterizedTest(name = "HTTP {0} -> {1}")
  @CsvSource({
    "400, INVALID_INPUT",
    "401, UNAUTHENTICATED",
    "403, PERMISSION_DENIED",
    "404, NOT_FOUND",
    "405, INVALID_INPUT",
    "408, TIMEOUT",
    "409, CONFLICT",
    "410, NOT_FOUND",
    "412, CONFLICT",
    "413, INVALID_INPUT",
    "418, INVALID_INPUT",
    "422, INVALID_INPUT",
    "424, MODEL_ERROR",
    "429, THROTTLED",
    "500, UNAVAILABLE",
    "501, UNSUPPORTED_CAPABILITY",
    "502, UNAVAILABLE",
    "503, UNAVAILABLE",
    "504, TIMEOUT",
    "599, UNAVAILABLE",
    "200, INTERNAL",
    "302, INTERNAL",
    "0, INTERNAL",
  })
  void ofHttp_followsTheTable(int status, ErrorCategory expected) {
    assertThat(StatusCategories.ofHttp(status)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "gRPC {0} -> {1}")
  @CsvSource({
    "0, INTERNAL",
    "1, UNAVAILABLE",
    "2, INTERNAL",
    "3, INVALID_INPUT",
    "4, TIMEOUT",
    "5, NOT_FOUND",
    "6, CONFLICT",
    "7, PERMISSION_DENIED",
    "8, THROTTLED",
    "9, CONFLICT",
    "10, CONFLICT",
    "11, INVALID_INPUT",
    "12, UNSUPPORTED_CAPABILITY",
    "13, INTERNAL",
    "14, UNAVAILABLE",
    "15, INTERNAL",
    "16, UNAUTHENTICATED",
  })
  void ofGrpc_followsTheTable(int code, ErrorCategory expected) {
    assertThat(StatusCategories.ofGrpc(code)).isEqualTo(expected);
  }
}
