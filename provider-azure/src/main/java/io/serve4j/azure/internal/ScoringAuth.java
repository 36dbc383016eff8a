package io.serve4j.azure.internal;

import com.azure.core.credential.SimpleTokenCache;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.fasterxml.jackson.databind.JsonNode;
import io.serve4j.azure.ScoringAuthMode;
import io.serve4j.spi.Deadline;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code Authorization} header of scoring calls, per endpoint: keys from {@code listKeys} and
 * Azure ML tokens from {@code token} fetched through ARM and cached, Entra ID tokens for {@code
 * https://ml.azure.com/.default} from the credential (cached by azure-core). Secrets live only in
 * {@link Secret}, whose {@code toString} hides them.
 */
final class ScoringAuth {
  static final String ML_SCOPE = "https://ml.azure.com/.default";

  /** A secret header value; never printed. */
  static final class Secret {
    private final String header;
    private final Instant refreshAfter;

    Secret(String value, Instant refreshAfter) {
      this.header = "Bearer " + value;
      this.refreshAfter = refreshAfter;
    }

    /** The header value, made once: scoring calls read it on every prediction. */
    String header() {
      return header;
    }

    boolean fresh() {
      return refreshAfter == null || Instant.now().isBefore(refreshAfter);
    }

    @Override
    public String toString() {
      return "Secret[***]";
    }
  }

  private final Arm arm;
  private final SimpleTokenCache aadTokens;
  private final Map<String, CompletableFuture<Secret>> cache = new ConcurrentHashMap<>();

  ScoringAuth(Arm arm, TokenCredential credential) {
    this.arm = arm;
    TokenRequestContext mlScope = new TokenRequestContext().addScopes(ML_SCOPE);
    this.aadTokens = new SimpleTokenCache(() -> credential.getToken(mlScope));
  }

  /**
   * Returns the header value for a scoring call.
   *
   * @param kind {@code onlineEndpoints} or {@code batchEndpoints}
   * @param endpoint endpoint name
   * @param mode the endpoint's auth mode
   * @param deadline bounds a listKeys / token call made for it
   * @return {@code Bearer ...}
   */
  CompletableFuture<String> authorization(
      String kind, String endpoint, ScoringAuthMode mode, Deadline deadline) {
    if (mode == ScoringAuthMode.AAD_TOKEN) {
      return aadTokens.getToken().map(t -> "Bearer " + t.getToken()).toFuture();
    }
    String key = kind + "/" + endpoint;
    CompletableFuture<Secret> current = cache.get(key);
    if (current != null && !current.isCompletedExceptionally()) {
      Secret s = current.getNow(null);
      if (s == null || s.fresh()) {
        return current.thenApply(Secret::header);
      }
    }
    CompletableFuture<Secret> fetched = fetch(arm.within(deadline), kind, endpoint, mode);
    cache.put(key, fetched);
    fetched.whenComplete(
        (s, e) -> {
          if (e != null) {
            cache.remove(key, fetched);
          }
        });
    return fetched.thenApply(Secret::header);
  }

  /**
   * The header value when a fresh key or Azure ML token is cached for the endpoint, read without a
   * future: the path of nearly every prediction.
   *
   * @param kind {@code onlineEndpoints} or {@code batchEndpoints}
   * @param endpoint endpoint name
   * @param mode the endpoint's auth mode
   * @return {@code Bearer ...}, or null when {@link #authorization} must fetch (or for Entra ID
   *     tokens, which azure-core's token cache serves)
   */
  String cached(String kind, String endpoint, ScoringAuthMode mode) {
    if (mode == ScoringAuthMode.AAD_TOKEN) {
      return null;
    }
    CompletableFuture<Secret> current = cache.get(kind + "/" + endpoint);
    Secret s =
        current == null || !current.isDone() || current.isCompletedExceptionally()
            ? null
            : current.getNow(null);
    return s != null && s.fresh() ? s.header() : null;
  }

  /** Drops what is cached for an endpoint (deleted, or a 401 said the secret is stale). */
  void forget(String kind, String endpoint) {
    cache.remove(kind + "/" + endpoint);
  }

  private static CompletableFuture<Secret> fetch(
      Arm arm, String kind, String endpoint, ScoringAuthMode mode) {
    if (mode == ScoringAuthMode.KEY) {
      return arm.post(kind + "/" + endpoint + "/listKeys", null)
          .thenApply(r -> new Secret(r.json().path("primaryKey").asText(), null));
    }
    return arm.post(kind + "/" + endpoint + "/token", null)
        .thenApply(
            r -> {
              JsonNode j = r.json();
              long refresh = j.path("refreshAfterTimeUtc").asLong(0);
              long expiry = j.path("expiryTimeUtc").asLong(0);
              long at = refresh > 0 ? refresh : expiry;
              return new Secret(
                  j.path("accessToken").asText(), at > 0 ? Instant.ofEpochSecond(at) : null);
            });
  }
}
