/**
 * The provider contract suites ({@code io.serve4j.testkit}) and the in-memory reference provider
 * ({@code io.serve4j.testkit.memory}, id {@code memory}).
 */
module io.serve4j.testkit {
  requires transitive io.serve4j;
  requires transitive org.junit.jupiter.api;
  requires transitive org.junit.jupiter.params;
  requires transitive org.assertj.core;
  requires com.fasterxml.jackson.databind;
  requires java.management;

  exports io.serve4j.testkit;
  exports io.serve4j.testkit.memory;

  // JUnit runs the contracts' test methods reflectively; Jackson binds SideBySide's raw OIP JSON.
  opens io.serve4j.testkit to
      org.junit.platform.commons,
      com.fasterxml.jackson.databind;

  uses io.serve4j.spi.ServingProvider;

  provides io.serve4j.spi.ServingProvider with
      io.serve4j.testkit.memory.MemoryProvider;
}
