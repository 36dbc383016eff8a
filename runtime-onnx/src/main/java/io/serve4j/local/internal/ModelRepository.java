package io.serve4j.local.internal;

import io.serve4j.DeploymentSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.Model;
import io.serve4j.ServingException;
import io.serve4j.spi.Deadline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The models of one multi-model deployment: a directory of ONNX files, each loaded on first use as
 * its own {@link Deployment} (same accelerator, batching and warm-up as the deployment), kept in
 * least-recently-used order and unloaded when loading another would pass the memory budget. An
 * unloaded model's session closes when its last running prediction finishes (the {@link Deployment}
 * reference count), never under it. Concurrent first requests for one model load it once.
 */
final class ModelRepository {
  /**
   * A loaded model; {@code uses} counts its requests since it was loaded (guarded by the
   * repository).
   */
  private static final class Member {
    final Deployment deployment;
    final long bytes;
    int uses = 1;

    Member(Deployment deployment, long bytes) {
      this.deployment = deployment;
      this.bytes = bytes;
    }
  }

  private final String endpoint;
  private final DeploymentSpec spec;
  private final Path root;
  private final long budget;
  private final ModelLoader loader;
  private final Counters counters;

  // Guarded by this.
  private final LinkedHashMap<String, Member> loaded = new LinkedHashMap<>(16, 0.75f, true);
  private final Map<String, CompletableFuture<Member>> loading = new HashMap<>();
  private long loadedBytes;
  private boolean closed;

  ModelRepository(
      String endpoint,
      DeploymentSpec spec,
      Path root,
      long budget,
      ModelLoader loader,
      Counters counters) {
    this.endpoint = endpoint;
    this.spec = spec;
    this.root = root;
    this.budget = budget;
    this.loader = loader;
    this.counters = counters;
  }

  Path root() {
    return root;
  }

  /**
   * Returns the loaded deployment of one model, with a reference taken for one run on the calling
   * thread (the caller releases it with what {@link Deployment#acquire()} returns on this thread:
   * the thread's own counter, the same on every deployment), loading it first if needed.
   *
   * @param target the request's target model, a relative path under the root
   * @param deadline the call's deadline, for waiting on another caller's load
   * @return the model's deployment, acquired
   */
  Deployment acquire(String target, Deadline deadline) {
    boolean waited = false;
    while (true) {
      CompletableFuture<Member> pending;
      boolean mine = false;
      synchronized (this) {
        if (closed) {
          throw Errors.of(
              ErrorCategory.UNAVAILABLE,
              "deployment '" + spec.name() + "' of endpoint '" + endpoint + "' is closed");
        }
        Member m = loaded.get(target);
        if (m != null) {
          if (m.deployment.acquire() != Deployment.CLOSED) {
            if (!waited) {
              counters.multiModelHits.increment();
              m.uses++;
            }
            return m.deployment;
          }
          remove(target, m);
        }
        pending = loading.get(target);
        if (pending == null) {
          pending = new CompletableFuture<>();
          loading.put(target, pending);
          mine = true;
        }
      }
      if (mine) {
        load(target, pending);
      }
      await(pending, target, deadline);
      waited = true;
      // Loop: take a reference on what was loaded (it may have been unloaded again meanwhile).
    }
  }

  private void load(String target, CompletableFuture<Member> pending) {
    try {
      Path file = locate(target);
      long bytes = Files.size(file);
      if (bytes > budget) {
        throw Errors.of(
            ErrorCategory.INVALID_INPUT,
            "model '"
                + target
                + "' of endpoint '"
                + endpoint
                + "' is "
                + bytes
                + " bytes, more than the whole multi-model memory budget of "
                + budget
                + " bytes (LocalOptions.multiModelMemoryBudgetBytes)");
      }
      Model model =
          Model.builder()
              .name(memberName(target))
              .version(spec.model().version())
              .artifact(file.toUri())
              .build();
      counters.multiModelLoads.increment();
      Deployment d = loader.load(endpoint, spec.toBuilder().model(model).build());
      Member m = new Member(d, bytes);
      boolean keep;
      synchronized (this) {
        loading.remove(target);
        keep = !closed;
        if (keep) {
          makeRoom(bytes);
          loaded.put(target, m);
          loadedBytes += bytes;
        }
      }
      if (!keep) {
        d.retire();
      }
      pending.complete(m);
    } catch (IOException e) {
      synchronized (this) {
        loading.remove(target);
      }
      pending.completeExceptionally(
          Errors.modelLoad(root.resolve(target).toString(), "read the size of", e));
    } catch (RuntimeException | Error e) {
      synchronized (this) {
        loading.remove(target);
      }
      pending.completeExceptionally(e);
    }
  }

  /**
   * Unloads models until {@code bytes} more fit. Holds this. The victim is the least recently used
   * model that was asked for only once since it was loaded (a one-off request does not push out a
   * model in steady use), else the least recently used (segmented LRU, as in SLRU / 2Q caches).
   */
  private void makeRoom(long bytes) {
    while (loadedBytes + bytes > budget && !loaded.isEmpty()) {
      Map.Entry<String, Member> victim = null;
      for (Map.Entry<String, Member> e : loaded.entrySet()) {
        if (e.getValue().uses <= 1) {
          victim = e;
          break;
        }
      }
      if (victim == null) {
        victim = loaded.entrySet().iterator().next();
      }
      Member m = victim.getValue();
      loaded.remove(victim.getKey());
      loadedBytes -= m.bytes;
      m.deployment.retire();
      counters.multiModelEvictions.increment();
    }
  }

  private void remove(String target, Member m) {
    if (loaded.remove(target, m)) {
      loadedBytes -= m.bytes;
    }
  }

  private static void await(CompletableFuture<Member> pending, String target, Deadline deadline) {
    try {
      pending.get(deadline.remaining().toNanos(), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw Errors.timeout("loading model '" + target + "'", null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Errors.of(
          ErrorCategory.UNAVAILABLE, "interrupted while loading model '" + target + "'");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof ServingException se) {
        throw se.toBuilder().cause(se).build();
      }
      throw Errors.modelLoad(target, "load", cause);
    }
  }

  /** The target's file: under the root (also after following links), a regular file. */
  private Path locate(String target) throws IOException {
    Path file = root.resolve(target).normalize();
    Path real;
    try {
      real = file.toRealPath();
    } catch (java.nio.file.NoSuchFileException e) {
      throw notFound(target);
    }
    if (!real.startsWith(root.toRealPath()) || !Files.isRegularFile(real)) {
      throw notFound(target);
    }
    return real;
  }

  private ServingException notFound(String target) {
    return Errors.of(
        ErrorCategory.NOT_FOUND,
        "endpoint '"
            + endpoint
            + "' has no model '"
            + target
            + "': no such file under "
            + root.toUri()
            + " (deployment '"
            + spec.name()
            + "')");
  }

  /** A model name for the member: the target with characters a name cannot hold replaced. */
  private static String memberName(String target) {
    String name = target.replaceAll("[^A-Za-z0-9._-]", "-").toLowerCase(Locale.ROOT);
    if (!Character.isLetterOrDigit(name.charAt(0))) {
      name = "m" + name;
    }
    return name.length() > 63 ? name.substring(name.length() - 63) : name;
  }

  /**
   * Returns how many models are loaded and their bytes, for describe.
   *
   * @return e.g. {@code 3 models, 12345 of 1073741824 bytes}
   */
  synchronized String summary() {
    return loaded.size() + " models, " + loadedBytes + " of " + budget + " bytes";
  }

  /** Unloads every model (each session closes when its running predictions finish). */
  void close() {
    Member[] all;
    synchronized (this) {
      closed = true;
      all = loaded.values().toArray(new Member[0]);
      loaded.clear();
      loadedBytes = 0;
    }
    for (Member m : all) {
      m.deployment.retire();
    }
  }
}
