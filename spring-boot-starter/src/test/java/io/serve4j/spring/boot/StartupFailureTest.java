package io.serve4j.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** What a user sees when a property is wrong: Boot's failure analysis, naming the property. */
@ExtendWith(OutputCaptureExtension.class)
class StartupFailureTest {
  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {}

  private static void start(String... properties) {
    SpringApplication app = new SpringApplication(App.class);
    app.setWebApplicationType(WebApplicationType.NONE);
    String[] args = new String[properties.length];
    for (int i = 0; i < properties.length; i++) {
      args[i] = "--" + properties[i];
    }
    app.run(args).close();
  }

  @Test
  void invalidValue_printsThePropertyTheValueAndTheReason(CapturedOutput output) {
    assertThatThrownBy(
            () ->
                start(
                    "serve4j.clients.cloud.uri=memory:",
                    "serve4j.clients.cloud.retry.max-attempts=0"))
        .isInstanceOf(RuntimeException.class);
    assertThat(output.getOut() + output.getErr())
        .contains("APPLICATION FAILED TO START")
        .contains("Invalid value '0' for configuration property")
        .contains("'serve4j.clients.cloud.retry.max-attempts'")
        .contains("must be at least 1");
  }

  @Test
  void unknownProvider_printsThePropertyAndTheProvidersThatExist(CapturedOutput output) {
    assertThatThrownBy(() -> start("serve4j.clients.other.uri=nosuch://x"))
        .isInstanceOf(RuntimeException.class);
    assertThat(output.getOut() + output.getErr())
        .contains("APPLICATION FAILED TO START")
        .contains("'serve4j.clients.other.uri'")
        .contains("nosuch")
        .contains("local")
        .contains("memory");
  }
}
