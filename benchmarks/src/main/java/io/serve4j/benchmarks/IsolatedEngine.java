package io.serve4j.benchmarks;

import java.io.File;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * An engine of another serve4j build in the same JVM, for an interleaved A/B of two builds: {@code
 * serve4j@/path/to/old/benchmarks.jar} (engine name, {@code @}, the build's jars separated by
 * {@code :}) loads every {@code io.serve4j} class of that build (core, runtime-onnx and its own
 * benchmark engine) in a class loader of its own, child first; everything else (ONNX Runtime and
 * its native library, resilience4j, the JDK) is this JVM's one copy. Each build has its own classes
 * and so its own compiled code; the engine is called through a method handle (a few nanoseconds).
 * Use the same form for the build under test ({@code serve4j@benchmarks/target/benchmarks.jar}) so
 * both sides pay the same.
 */
final class IsolatedEngine implements Engine {
  private final Object engine;
  private final MethodHandle predict;
  private final MethodHandle close;

  private IsolatedEngine(Object engine, MethodHandle predict, MethodHandle close) {
    this.engine = engine;
    this.predict = predict;
    this.close = close;
  }

  /**
   * Opens {@code kind@jar[:jar...]} on a workload.
   *
   * @param spec the engine name and the build's jars
   * @param workload the workload
   * @return the engine
   * @throws Exception if the build cannot be loaded or the engine fails to open
   */
  static Engine open(String spec, Workload workload) throws Exception {
    int at = spec.indexOf('@');
    String kind = spec.substring(0, at);
    List<URL> urls = new ArrayList<>();
    for (String path : spec.substring(at + 1).split(":")) {
      urls.add(jar(path));
    }
    ClassLoader loader =
        new ChildFirst(urls.toArray(new URL[0]), IsolatedEngine.class.getClassLoader());
    Thread current = Thread.currentThread();
    ClassLoader before = current.getContextClassLoader();
    current.setContextClassLoader(loader); // Serve4j finds providers through it
    try {
      Class<?> workloads = loader.loadClass("io.serve4j.benchmarks.Workload");
      Class<?> engines = loader.loadClass("io.serve4j.benchmarks.Engine");
      Class<?> kinds = loader.loadClass("io.serve4j.benchmarks.Engine$Kind");
      Object w =
          accessible(workloads.getDeclaredMethod("of", String.class)).invoke(null, workload.id());
      Object k = accessible(kinds.getDeclaredMethod("of", String.class)).invoke(null, kind);
      Object e = accessible(engines.getDeclaredMethod("open", kinds, workloads)).invoke(null, k, w);
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      return new IsolatedEngine(
          e,
          lookup.unreflect(accessible(engines.getDeclaredMethod("predict"))),
          lookup.unreflect(accessible(engines.getDeclaredMethod("close"))));
    } finally {
      current.setContextClassLoader(before);
    }
  }

  private static Method accessible(Method m) {
    m.setAccessible(true);
    return m;
  }

  private static URL jar(String path) throws MalformedURLException {
    File f = new File(path);
    if (!f.isFile()) {
      throw new IllegalArgumentException("no such jar: " + path);
    }
    return f.toURI().toURL();
  }

  @Override
  public Object predict() throws Exception {
    return call(predict);
  }

  @Override
  public void close() throws Exception {
    call(close);
  }

  /** Calls the engine's method; what it throws comes out as it is (a checked Throwable wrapped). */
  private Object call(MethodHandle method) throws Exception {
    try {
      return method.invoke(engine);
    } catch (Exception | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** Loads {@code io.serve4j} classes and resources from its own jars first. */
  private static final class ChildFirst extends URLClassLoader {
    ChildFirst(URL[] urls, ClassLoader parent) {
      super(urls, parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (!name.startsWith("io.serve4j.")) {
        return super.loadClass(name, resolve);
      }
      synchronized (getClassLoadingLock(name)) {
        Class<?> c = findLoadedClass(name);
        if (c == null) {
          try {
            c = findClass(name);
          } catch (ClassNotFoundException e) {
            c = super.loadClass(name, false);
          }
        }
        if (resolve) {
          resolveClass(c);
        }
        return c;
      }
    }

    @Override
    public URL getResource(String name) {
      URL u = findResource(name);
      return u != null ? u : super.getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
      // Only this build's own: ServiceLoader must not see the other build's providers.
      Enumeration<URL> own = findResources(name);
      return own.hasMoreElements()
          ? own
          : Collections.enumeration(Collections.list(super.getResources(name)));
    }
  }
}
