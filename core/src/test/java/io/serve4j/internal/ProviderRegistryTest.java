package io.serve4j.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.NotFoundException;
import io.serve4j.spi.ServingProvider;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.ServiceConfigurationError;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lookup of a built-in id by its class, and the class-path scan it falls back to. */
class ProviderRegistryTest {
  private static final String SERVICES = "META-INF/services/io.serve4j.spi.ServingProvider";

  /** A provider whose class names one id but whose instance declares another. */
  public static final class OtherId extends CoreTemplateTest.DelegatingProvider {
    /** For reflection. */
    public OtherId() {
      super(new CoreTemplateTest.PendingProvider());
    }

    @Override
    public String id() {
      return "other";
    }
  }

  /** A provider whose constructor fails. */
  public static final class Failing extends CoreTemplateTest.DelegatingProvider {
    /** For reflection. */
    public Failing() {
      super(fail());
    }

    private static ServingProvider fail() {
      throw new IllegalStateException("cannot start");
    }
  }

  /** A class loader with a service file, counting how often the service file is looked up. */
  private static final class CountingLoader extends URLClassLoader {
    final AtomicInteger scans = new AtomicInteger();

    CountingLoader(Path dir) throws IOException {
      super(new URL[] {dir.toUri().toURL()}, ProviderRegistryTest.class.getClassLoader());
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
      if (name.equals(SERVICES)) {
        scans.incrementAndGet();
      }
      return super.getResources(name);
    }
  }

  private static CountingLoader loaderWith(Path dir, String services) throws IOException {
    Path f = dir.resolve(SERVICES);
    Files.createDirectories(f.getParent());
    Files.writeString(f, services + "\n");
    return new CountingLoader(dir);
  }

  @Test
  void aBuiltInId_isFoundByItsClass_withoutScanningTheClassPath(@TempDir Path dir)
      throws IOException {
    CountingLoader loader = loaderWith(dir, CoreTemplateTest.PendingProvider.class.getName());
    ServingProvider p =
        ProviderRegistry.find("pending", loader, CoreTemplateTest.PendingProvider.class.getName());
    assertThat(p).isInstanceOf(CoreTemplateTest.PendingProvider.class);
    assertThat(loader.scans).hasValue(0);
  }

  @Test
  void aClassDeclaringAnotherId_fallsBackToTheScan(@TempDir Path dir) throws IOException {
    CountingLoader loader = loaderWith(dir, CoreTemplateTest.PendingProvider.class.getName());
    ServingProvider p = ProviderRegistry.find("pending", loader, OtherId.class.getName());
    assertThat(p).isInstanceOf(CoreTemplateTest.PendingProvider.class);
    assertThat(loader.scans.get()).isPositive();
  }

  @Test
  void anAbsentClass_fallsBackToTheScan_andItsMessage(@TempDir Path dir) throws IOException {
    CountingLoader loader = loaderWith(dir, CoreTemplateTest.PendingProvider.class.getName());
    assertThatThrownBy(() -> ProviderRegistry.find("aws", loader, "io.serve4j.aws.NoSuchProvider"))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("no serving provider 'aws'")
        .hasMessageContaining("[pending]");
    assertThat(loader.scans.get()).isPositive();
  }

  @Test
  void aNonProviderClass_fallsBackToTheScan(@TempDir Path dir) throws IOException {
    CountingLoader loader = loaderWith(dir, CoreTemplateTest.PendingProvider.class.getName());
    ServingProvider p = ProviderRegistry.find("pending", loader, String.class.getName());
    assertThat(p).isInstanceOf(CoreTemplateTest.PendingProvider.class);
  }

  @Test
  void aFailingConstructor_isReportedByTheScanAsBefore(@TempDir Path dir) throws IOException {
    CountingLoader loader = loaderWith(dir, Failing.class.getName());
    assertThatThrownBy(() -> ProviderRegistry.find("pending", loader, Failing.class.getName()))
        .isInstanceOf(ServiceConfigurationError.class);
  }

  @Test
  void anIdThatIsNotBuiltIn_scans_andDuplicatesStillFailFast(@TempDir Path dir) throws IOException {
    CountingLoader loader =
        loaderWith(
            dir,
            CoreTemplateTest.PendingProvider.class.getName()
                + "\n"
                + CoreTemplateTest.SamePendingId.class.getName());
    assertThatThrownBy(() -> ProviderRegistry.find("pending", loader))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("two serving providers declare the id 'pending'");
    assertThat(loader.scans.get()).isPositive();
  }
}
