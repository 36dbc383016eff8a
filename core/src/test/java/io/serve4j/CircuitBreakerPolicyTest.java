package io.serve4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CircuitBreakerPolicyTest {
  @Test
  void defaults_areTheDocumentedOnes() {
    CircuitBreakerPolicy p = CircuitBreakerPolicy.defaults();
    assertThat(p.failureRateThreshold()).isEqualTo(50f);
    assertThat(p.slidingWindowSize()).isEqualTo(10);
    assertThat(p.minimumNumberOfCalls()).isEqualTo(5);
    assertThat(p.waitInOpenState()).isEqualTo(Duration.ofSeconds(10));
    assertThat(p.permittedCallsInHalfOpenState()).isEqualTo(3);
    assertThat(p.failureCategories())
        .containsExactlyInAnyOrder(
            ErrorCategory.UNAVAILABLE,
            ErrorCategory.TIMEOUT,
            ErrorCategory.THROTTLED,
            ErrorCategory.INTERNAL);
  }

  @Test
  void countsAsFailure_onlyServingErrorsOfItsCategories() {
    CircuitBreakerPolicy p = CircuitBreakerPolicy.defaults();
    assertThat(p.countsAsFailure(ServingException.builder(ErrorCategory.UNAVAILABLE).build()))
        .isTrue();
    assertThat(p.countsAsFailure(ServingException.builder(ErrorCategory.INVALID_INPUT).build()))
        .isFalse();
    assertThat(p.countsAsFailure(new IllegalStateException())).isFalse();
  }

  @Test
  void toBuilder_roundTrips_andMinimumCallsIsCappedAtTheWindow() {
    CircuitBreakerPolicy p =
        CircuitBreakerPolicy.builder()
            .failureRateThreshold(25)
            .slidingWindowSize(3)
            .waitInOpenState(Duration.ofMillis(5))
            .permittedCallsInHalfOpenState(1)
            .failureCategories(Set.of(ErrorCategory.MODEL_ERROR))
            .build();
    assertThat(p.minimumNumberOfCalls()).isEqualTo(3); // default 5, capped at the window
    assertThat(p.toBuilder().build()).isEqualTo(p).hasSameHashCodeAs(p);
    assertThat(p.toBuilder().slidingWindowSize(4).build()).isNotEqualTo(p);
  }

  @Test
  void build_rejectsSettingsOutOfRange() {
    assertThatThrownBy(() -> CircuitBreakerPolicy.builder().failureRateThreshold(0).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CircuitBreakerPolicy.builder().failureRateThreshold(101).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CircuitBreakerPolicy.builder().slidingWindowSize(0).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CircuitBreakerPolicy.builder().waitInOpenState(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> CircuitBreakerPolicy.builder().permittedCallsInHalfOpenState(0).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CircuitBreakerPolicy.builder().failureCategories(Set.of()).build())
        .isInstanceOf(IllegalArgumentException.class);
  }
}
