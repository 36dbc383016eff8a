package io.serve4j.spring.boot.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.CircuitBreakerPolicy;
import io.serve4j.ErrorCategory;
import io.serve4j.RetryPolicy;
import io.serve4j.spring.boot.Serve4jProperties;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

class ClientFactoryTest {
  @Test
  void defaults_areCores() {
    Serve4jProperties.Client c = new Serve4jProperties.Client();
    assertThat(ClientFactory.retryPolicy("p.", c.getRetry()).toString())
        .isEqualTo(RetryPolicy.defaults().toString());
    c.getCircuitBreaker().setEnabled(true);
    assertThat(ClientFactory.circuitBreaker("p.", c.getCircuitBreaker()))
        .isEqualTo(CircuitBreakerPolicy.defaults());
  }

  @Test
  void retryOn_isBoundFromCategoryNames() {
    Serve4jProperties.Retry r = new Serve4jProperties.Retry();
    r.setRetryOn(EnumSet.of(ErrorCategory.THROTTLED));
    assertThat(ClientFactory.retryPolicy("p.", r).retryOn()).containsOnly(ErrorCategory.THROTTLED);
  }

  @Test
  void emptyFailureCategories_areRefused_namingTheProperty() {
    Serve4jProperties.CircuitBreaker cb = new Serve4jProperties.CircuitBreaker();
    cb.setFailureCategories(EnumSet.noneOf(ErrorCategory.class));
    assertThatThrownBy(() -> ClientFactory.circuitBreaker("p.", cb))
        .isInstanceOf(InvalidConfigurationPropertyValueException.class)
        .extracting(e -> ((InvalidConfigurationPropertyValueException) e).getName())
        .isEqualTo("p.failure-categories");
  }
}
