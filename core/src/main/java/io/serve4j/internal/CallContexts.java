package io.serve4j.internal;

import io.serve4j.OperationProgress;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.CallObserver;
import io.serve4j.spi.Deadline;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Core's own way to make a {@link CallContext}: one object per call on the prediction path, where
 * {@link CallContext#builder} would add a builder per call unless the JIT removed it, and with a
 * request id made only when first read (a successful in-process call without listeners formats
 * none). {@link CallContext} has no public constructor; it installs its private one here when it is
 * initialized (as the JDK's {@code SharedSecrets} do). Providers build contexts with {@link
 * CallContext#builder}; this package is not exported.
 */
public final class CallContexts {
  private static Constructor installed;

  private CallContexts() {}

  /** {@link CallContext}'s constructor, as core uses it. */
  public interface Constructor {
    /**
     * Makes a context.
     *
     * @param requestId gives the request id when it is first read ({@link
     *     CallContext#requestId()}); called at most once per context for a successful read, and
     *     must return the same id every time (core's call id)
     * @param deadline when the call must finish
     * @param cancelled true once the caller cancelled
     * @param progress where progress goes
     * @param retriedByCore whether core retries the call ({@link CallContext#retriedByCore()})
     * @param observer what core's listeners hear of the call while it runs
     * @param deadlineEndedByCore whether core ends the call at its deadline ({@link
     *     CallContext#deadlineEndedByCore()})
     * @return the context
     */
    CallContext make(
        Supplier<String> requestId,
        Deadline deadline,
        BooleanSupplier cancelled,
        Consumer<OperationProgress> progress,
        boolean retriedByCore,
        CallObserver observer,
        boolean deadlineEndedByCore);
  }

  /**
   * Called once, by {@link CallContext}'s static initializer.
   *
   * @param constructor its constructor
   * @throws IllegalStateException if one was installed already
   */
  public static synchronized void install(Constructor constructor) {
    if (installed != null) {
      throw new IllegalStateException("CallContext's constructor is installed already");
    }
    installed = constructor;
  }

  /** Holds the installed constructor as a constant, once {@link CallContext} is initialized. */
  private static final class Holder {
    static final Constructor CONSTRUCTOR = load();

    private static Constructor load() {
      try {
        Class.forName(CallContext.class.getName(), true, CallContext.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(e);
      }
      synchronized (CallContexts.class) {
        if (installed == null) {
          throw new IllegalStateException("CallContext did not install its constructor");
        }
        return installed;
      }
    }
  }

  /**
   * Makes a context, as {@link Constructor#make} does, without a builder.
   *
   * @param requestId gives the request id when it is first read
   * @param deadline when the call must finish
   * @param cancelled true once the caller cancelled
   * @param progress where progress goes
   * @param retriedByCore whether core retries the call
   * @param observer what core's listeners hear of the call while it runs
   * @param deadlineEndedByCore whether core ends the call at its deadline
   * @return the context
   */
  public static CallContext lazyId(
      Supplier<String> requestId,
      Deadline deadline,
      BooleanSupplier cancelled,
      Consumer<OperationProgress> progress,
      boolean retriedByCore,
      CallObserver observer,
      boolean deadlineEndedByCore) {
    return Holder.CONSTRUCTOR.make(
        requestId, deadline, cancelled, progress, retriedByCore, observer, deadlineEndedByCore);
  }
}
