package io.serve4j.testkit.memory;

import io.serve4j.ErrorCategory;
import io.serve4j.InferenceResponse;
import io.serve4j.ServingException;
import java.util.Iterator;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The in-memory provider's streaming wire: pulls chunks from a {@link StreamingPredictor}'s
 * iterator as the subscriber asks for them, on the given executor.
 */
final class MemoryStream implements Flow.Publisher<InferenceResponse> {
  private final Supplier<Iterator<InferenceResponse>> start;
  private final Executor executor;
  private final AtomicBoolean subscribed = new AtomicBoolean();

  MemoryStream(Supplier<Iterator<InferenceResponse>> start, Executor executor) {
    this.start = start;
    this.executor = executor;
  }

  @Override
  public void subscribe(Flow.Subscriber<? super InferenceResponse> subscriber) {
    if (!subscribed.compareAndSet(false, true)) {
      subscriber.onSubscribe(new Idle());
      subscriber.onError(new IllegalStateException("a memory stream takes one subscriber"));
      return;
    }
    subscriber.onSubscribe(new Pull(subscriber));
  }

  private final class Pull implements Flow.Subscription, Runnable {
    private final Flow.Subscriber<? super InferenceResponse> subscriber;
    private final AtomicLong demand = new AtomicLong();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile boolean cancelled;
    private boolean done;
    private Iterator<InferenceResponse> chunks;

    Pull(Flow.Subscriber<? super InferenceResponse> subscriber) {
      this.subscriber = subscriber;
    }

    @Override
    public void request(long n) {
      if (n <= 0) {
        cancel();
        subscriber.onError(new IllegalArgumentException("demand must be positive (rule 3.9)"));
        return;
      }
      demand.getAndUpdate(d -> d + n < 0 ? Long.MAX_VALUE : d + n);
      schedule();
    }

    @Override
    public void cancel() {
      cancelled = true;
      schedule(); // closes the iterator on the producer's thread
    }

    private void schedule() {
      if (scheduled.compareAndSet(false, true)) {
        executor.execute(this);
      }
    }

    @Override
    public void run() {
      try {
        while (!done) {
          if (cancelled) {
            done = true;
            close();
            return;
          }
          if (demand.get() == 0) {
            break;
          }
          if (chunks == null) {
            chunks = start.get();
          }
          if (!chunks.hasNext()) {
            done = true;
            subscriber.onComplete();
            return;
          }
          InferenceResponse next = chunks.next();
          if (cancelled) {
            continue;
          }
          demand.decrementAndGet();
          subscriber.onNext(next);
        }
      } catch (RuntimeException e) {
        done = true;
        close();
        subscriber.onError(
            e instanceof ServingException
                ? e
                : ServingException.builder(ErrorCategory.MODEL_ERROR)
                    .fromService()
                    .message("the streaming predictor failed mid-stream: " + e)
                    .cause(e)
                    .build());
        return;
      } finally {
        scheduled.set(false);
      }
      // Demand or a cancel that arrived while this run was finishing is picked up by a new run.
      if (!done && (demand.get() > 0 || cancelled)) {
        schedule();
      }
    }

    private void close() {
      if (chunks instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception ignored) {
          // the stream is over either way
        }
      }
    }
  }

  private static final class Idle implements Flow.Subscription {
    @Override
    public void request(long n) {}

    @Override
    public void cancel() {}
  }
}
