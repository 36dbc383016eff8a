package io.serve4j.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.Serve4j;
import io.serve4j.spi.ServingProvider;
import java.io.IOException;
import java.net.URL;
import java.util.Enumeration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@code local} is found by its class, without scanning every jar's service file (cold start). */
class ProviderLookupTest {
  /** Counts the lookups of the provider service file. */
  private static final class CountingLoader extends ClassLoader {
    final AtomicInteger scans = new AtomicInteger();

    CountingLoader() {
      super(ProviderLookupTest.class.getClassLoader());
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
      if (name.equals("META-INF/services/" + ServingProvider.class.getName())) {
        scans.incrementAndGet();
      }
      return super.getResources(name);
    }
  }

  @Test
  void local_isFoundByItsClass_withoutAScan() {
    CountingLoader loader = new CountingLoader();
    assertThat(withContextLoader(loader, () -> Serve4j.offerings(LocalProvider.ID))).isNotNull();
    assertThat(loader.scans).hasValue(0);
  }

  @Test
  void theScan_stillListsLocal() {
    CountingLoader loader = new CountingLoader();
    assertThat(withContextLoader(loader, Serve4j::providers)).contains(LocalProvider.ID);
    assertThat(loader.scans.get()).isPositive();
  }

  private static <T> T withContextLoader(ClassLoader loader, java.util.function.Supplier<T> call) {
    Thread t = Thread.currentThread();
    ClassLoader before = t.getContextClassLoader();
    t.setContextClassLoader(loader);
    try {
      return call.get();
    } finally {
      t.setContextClassLoader(before);
    }
  }
}
