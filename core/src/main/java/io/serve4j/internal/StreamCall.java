package io.serve4j.internal;

import io.serve4j.ErrorCategory;
import io.serve4j.InferenceResponse;
import io.serve4j.ServingException;
import io.serve4j.spi.Deadline;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * One streaming prediction as the caller sees it: the {@link Flow.Subscription} handed to the
 * caller's subscriber, relaying chunks from the provider's publisher.
 *
 * <p>The stream has two phases. Until the first chunk, it is an ordinary core call (retries,
 * circuit breaker, listeners): each wire attempt is an {@link Attempt} whose {@link Attempt#head}
 * completes with the first chunk (or the end of an empty stream), and a failed attempt is retried
 * as a prediction would be. Once core's call has succeeded, the winning attempt is adopted: its
 * chunks flow to the caller as the caller asks for them (the provider is asked for no more than the
 * caller wants), under the call's deadline, and errors signalled mid-stream are mapped through the
 * provider's error mapper. Cancelling, the deadline and closing the client cancel the provider's
 * subscription, which stops the cloud stream.
 *
 * <p>Signals to the caller are serialized by a work-in-progress counter and never sent while a lock
 * is held.
 */
final class StreamCall implements Flow.Subscription {
  private final Flow.Subscriber<? super InferenceResponse> downstream;
  private final Function<Throwable, ServingException> mapper;
  private final java.util.function.Supplier<ServingException> timeout;
  private final AtomicInteger wip = new AtomicInteger();

  // Guarded by this.
  private final ArrayDeque<InferenceResponse> queue = new ArrayDeque<>();
  private long demand;
  private long outstanding; // chunks asked of the adopted attempt and not yet received
  private Attempt adopted;
  private Throwable error; // terminal error for the caller, already mapped
  private boolean upstreamDone;
  private boolean terminated;
  private boolean cancelled;
  private CompletableFuture<?> pending; // core's call until adoption
  private Deadline.Watch watch;
  private Deadline deadline; // the call's, from adoption on

  StreamCall(
      Flow.Subscriber<? super InferenceResponse> downstream,
      Function<Throwable, ServingException> mapper,
      java.util.function.Supplier<ServingException> timeout) {
    this.downstream = downstream;
    this.mapper = mapper;
    this.timeout = timeout;
  }

  /** Creates the subscriber for one wire attempt. */
  Attempt attempt() {
    return new Attempt();
  }

  /** Remembers core's call so that a cancel before the first chunk cancels it. */
  void pending(CompletableFuture<?> call) {
    boolean cancelNow;
    synchronized (this) {
      pending = call;
      cancelNow = cancelled;
    }
    if (cancelNow) {
      call.cancel(true);
    }
  }

  /**
   * Core's call succeeded with this attempt: its chunks now flow to the caller, under the deadline.
   */
  void adopt(Attempt winner, Deadline deadline) {
    Flow.Subscription up;
    long ask;
    synchronized (this) {
      if (cancelled || terminated) {
        up = winner.upstream;
        ask = -1;
      } else {
        adopted = winner;
        this.deadline = deadline;
        pending = null;
        queue.addAll(winner.early);
        upstreamDone = winner.done;
        if (winner.done && winner.failure != null) {
          error = map(winner.failure);
        }
        outstanding = winner.requested - winner.received;
        up = winner.upstream;
        ask = askLocked();
      }
    }
    if (ask < 0) {
      if (up != null) {
        up.cancel();
      }
      return;
    }
    Deadline.Watch w = deadline.onExpiry(() -> fail(timeout.get(), true));
    boolean late;
    synchronized (this) {
      watch = w;
      late = terminated;
    }
    if (late) {
      w.cancel();
    }
    if (ask > 0 && up != null) {
      up.request(ask);
    }
    drain();
  }

  /**
   * Maps an error for the caller. A timeout the service reported once the call's deadline has
   * passed is the call's own timeout (as {@code DefaultOperation} does for a call): the provider's
   * wire deadline and core's watch end at the same moment, and the caller must see the same error
   * whichever noticed first. Guarded by this.
   */
  private ServingException map(Throwable t) {
    ServingException mapped = mapper.apply(t);
    if (mapped.category() == ErrorCategory.TIMEOUT
        && deadline != null
        && deadline.isExpired()
        && mapped.origin() == ServingException.Origin.SERVICE) {
      return timeout.get().toBuilder().cause(mapped).build();
    }
    return mapped;
  }

  /** Ends the stream with an error: before the first chunk (core's call failed) or mid-stream. */
  void fail(Throwable t, boolean cancelUpstream) {
    Flow.Subscription up = null;
    CompletableFuture<?> call = null;
    synchronized (this) {
      if (terminated || error != null) {
        return;
      }
      error = map(t);
      queue.clear();
      upstreamDone = true;
      if (cancelUpstream) {
        up = adopted != null ? adopted.upstream : null;
        call = pending;
      }
    }
    if (up != null) {
      up.cancel();
    }
    if (call != null) {
      call.cancel(true);
    }
    drain();
  }

  @Override
  public void request(long n) {
    if (n <= 0) {
      // Reactive Streams rule 3.9.
      fail(
          new IllegalArgumentException("request(" + n + "): demand must be positive (rule 3.9)"),
          true);
      return;
    }
    Flow.Subscription up;
    long ask;
    synchronized (this) {
      if (terminated || cancelled) {
        return;
      }
      demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
      up = adopted != null ? adopted.upstream : null;
      ask = up == null ? 0 : askLocked();
    }
    if (ask > 0) {
      up.request(ask);
    }
    drain();
  }

  @Override
  public void cancel() {
    Flow.Subscription up;
    CompletableFuture<?> call;
    Deadline.Watch w;
    synchronized (this) {
      if (cancelled) {
        return;
      }
      cancelled = true;
      queue.clear();
      up = adopted != null ? adopted.upstream : null;
      call = pending;
      w = watch;
    }
    if (w != null) {
      w.cancel();
    }
    if (up != null) {
      up.cancel();
    }
    if (call != null) {
      call.cancel(true);
    }
  }

  /**
   * How many more chunks to ask the provider for so that what is queued or coming covers demand.
   */
  private long askLocked() {
    if (upstreamDone) {
      return 0;
    }
    long want = demand - queue.size() - outstanding;
    if (want <= 0) {
      return 0;
    }
    outstanding += want;
    if (outstanding < 0) {
      outstanding = Long.MAX_VALUE;
    }
    return want;
  }

  private void drain() {
    if (wip.getAndIncrement() != 0) {
      return;
    }
    int missed = 1;
    while (true) {
      while (true) {
        InferenceResponse next = null;
        Throwable terminalError = null;
        boolean complete = false;
        Deadline.Watch w = null;
        synchronized (this) {
          if (cancelled || terminated) {
            queue.clear();
            break;
          }
          if (adopted == null && error == null) {
            break; // not yet adopted: nothing reaches the caller before core's call succeeds
          }
          if (error != null) {
            terminated = true;
            terminalError = error;
            w = watch;
          } else if (demand > 0 && !queue.isEmpty()) {
            next = queue.poll();
            demand--;
          } else if (queue.isEmpty() && upstreamDone) {
            terminated = true;
            complete = true;
            w = watch;
          } else {
            break;
          }
        }
        if (w != null) {
          w.cancel();
        }
        if (terminalError != null) {
          downstream.onError(terminalError);
          break;
        }
        if (complete) {
          downstream.onComplete();
          break;
        }
        downstream.onNext(next);
      }
      missed = wip.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
    }
  }

  /**
   * The subscriber to one wire attempt's publisher. {@link #head} completes with this attempt when
   * its first chunk arrives, or when it ends without one; it fails when the attempt fails first.
   * Cancelling {@code head} (a retry, the deadline, the caller) cancels the provider's stream.
   */
  final class Attempt implements Flow.Subscriber<InferenceResponse> {
    final CompletableFuture<Attempt> head = new CompletableFuture<>();
    // Guarded by StreamCall.this.
    private Flow.Subscription upstream;
    private final ArrayDeque<InferenceResponse> early = new ArrayDeque<>();
    private long requested;
    private long received;
    private boolean done;
    private Throwable failure;

    private Attempt() {
      head.whenComplete(
          (a, e) -> {
            if (head.isCancelled()) {
              Flow.Subscription up;
              synchronized (StreamCall.this) {
                up = upstream;
              }
              if (up != null) {
                up.cancel();
              }
            }
          });
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      boolean refuse;
      synchronized (StreamCall.this) {
        refuse = upstream != null || head.isCancelled() || cancelled;
        if (!refuse) {
          upstream = s;
          requested = 1;
        }
      }
      if (refuse) {
        s.cancel();
      } else {
        s.request(1);
      }
    }

    @Override
    public void onNext(InferenceResponse chunk) {
      if (chunk == null) {
        onError(new NullPointerException("the provider's stream sent a null chunk (rule 2.13)"));
        return;
      }
      boolean live;
      synchronized (StreamCall.this) {
        if (head.isCancelled() || head.isCompletedExceptionally()) {
          return; // an abandoned attempt's late chunk
        }
        received++;
        if (adopted == this) {
          queue.add(chunk);
          outstanding--;
          live = true;
        } else {
          early.add(chunk);
          live = false;
        }
      }
      if (live) {
        drain();
      } else {
        head.complete(this);
      }
    }

    @Override
    public void onError(Throwable t) {
      boolean live;
      synchronized (StreamCall.this) {
        if (head.isCancelled() || head.isCompletedExceptionally()) {
          return;
        }
        live = adopted == this;
        if (!live && head.isDone()) {
          done = true; // after the first chunk, before adoption: adopt() passes it on
          failure = t;
          return;
        }
      }
      if (live) {
        fail(t, false);
      } else {
        head.completeExceptionally(t); // before the first chunk: core may retry
      }
    }

    @Override
    public void onComplete() {
      boolean live;
      synchronized (StreamCall.this) {
        if (head.isCancelled() || head.isCompletedExceptionally()) {
          return;
        }
        live = adopted == this;
        if (live) {
          upstreamDone = true;
        } else {
          done = true;
        }
      }
      if (live) {
        drain();
      } else {
        head.complete(this);
      }
    }
  }
}
