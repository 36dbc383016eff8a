package io.serve4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import io.serve4j.server.internal.Errors;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The table in the module README, row by row; every category has a row. */
class ErrorMappingTest {
  private static final Map<ErrorCategory, Object[]> TABLE = new EnumMap<>(ErrorCategory.class);

  static {
    TABLE.put(ErrorCategory.INVALID_INPUT, new Object[] {400, Status.Code.INVALID_ARGUMENT});
    TABLE.put(ErrorCategory.UNAUTHENTICATED, new Object[] {401, Status.Code.UNAUTHENTICATED});
    TABLE.put(ErrorCategory.PERMISSION_DENIED, new Object[] {403, Status.Code.PERMISSION_DENIED});
    TABLE.put(ErrorCategory.NOT_FOUND, new Object[] {404, Status.Code.NOT_FOUND});
    TABLE.put(ErrorCategory.CONFLICT, new Object[] {409, Status.Code.FAILED_PRECONDITION});
    TABLE.put(ErrorCategory.QUOTA_EXCEEDED, new Object[] {429, Status.Code.RESOURCE_EXHAUSTED});
    TABLE.put(ErrorCategory.THROTTLED, new Object[] {429, Status.Code.RESOURCE_EXHAUSTED});
    TABLE.put(ErrorCategory.UNAVAILABLE, new Object[] {503, Status.Code.UNAVAILABLE});
    TABLE.put(ErrorCategory.MODEL_LOAD, new Object[] {503, Status.Code.UNAVAILABLE});
    TABLE.put(ErrorCategory.TIMEOUT, new Object[] {504, Status.Code.DEADLINE_EXCEEDED});
    TABLE.put(ErrorCategory.UNSUPPORTED_CAPABILITY, new Object[] {501, Status.Code.UNIMPLEMENTED});
    TABLE.put(ErrorCategory.MODEL_ERROR, new Object[] {500, Status.Code.INTERNAL});
    TABLE.put(ErrorCategory.INTERNAL, new Object[] {500, Status.Code.INTERNAL});
  }

  @Test
  void everyCategory_hasItsHttpStatusAndGrpcCode() {
    assertThat(TABLE.keySet()).containsExactlyInAnyOrder(ErrorCategory.values());
    TABLE.forEach(
        (c, row) -> {
          assertThat(Errors.httpStatus(c)).as(c.name()).isEqualTo(row[0]);
          assertThat(Errors.grpcCode(c)).as(c.name()).isEqualTo(row[1]);
        });
  }

  @Test
  void untypedFailure_isInternal_withoutItsMessage() {
    ServingException e =
        Errors.typed(new CompletionException(new IllegalStateException("secret=abc")));
    assertThat(e.category()).isEqualTo(ErrorCategory.INTERNAL);
    assertThat(Errors.message(e)).doesNotContain("secret");
  }
}
