package io.serve4j.aws.internal;

import io.serve4j.BatchingPolicy;
import io.serve4j.DeviceKind;
import io.serve4j.ErrorCategory;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.aws.AwsOptions;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.Wire;
import io.serve4j.spi.formats.TritonRepository;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import software.amazon.awssdk.core.FileRequestBodyConfiguration;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * Stages model artifacts to S3 as the {@code model.tar.gz} SageMaker loads: ONNX files become a
 * Triton model repository, other local files and directories are archived as they are, {@code
 * s3://} archives are used in place, and an {@code s3://} ONNX file becomes an uncompressed Triton
 * repository beside it in S3 (its config written, the file copied by S3, never downloaded). Large
 * archives are uploaded in parts. Also stages the inputs of asynchronous inferences and reads their
 * results.
 */
final class S3Staging {
  private static final System.Logger LOG = System.getLogger(S3Staging.class.getName());
  private final S3AsyncClient s3;
  private final AwsOptions options;
  private final Executor io;
  private final Function<CallContext, CompletableFuture<String>> bucket;

  S3Staging(
      S3AsyncClient s3,
      AwsOptions options,
      Executor io,
      Function<CallContext, CompletableFuture<String>> bucket) {
    this.s3 = s3;
    this.options = options;
    this.io = io;
    this.bucket = bucket;
  }

  /**
   * Stages a model's artifact.
   *
   * @param model the model
   * @param batching batching for the Triton config, or null
   * @param device where Triton runs the model
   * @param ctx the caller's context: its deadline bounds each S3 call
   * @return the {@code s3://} URI of the archive, empty when the model has no artifact
   */
  CompletableFuture<Optional<String>> stage(
      Model model, BatchingPolicy batching, DeviceKind device, CallContext ctx) {
    if (model.artifact().isEmpty()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    URI artifact = model.artifact().get();
    String scheme = artifact.getScheme() == null ? "file" : artifact.getScheme();
    boolean archive = artifact.getPath() != null && isArchive(artifact.toString());
    if (scheme.equals("s3")) {
      if (model.format() == ModelFormat.ONNX && !archive) {
        return repositoryInS3(model, artifact, batching, device, ctx).thenApply(Optional::of);
      }
      return CompletableFuture.completedFuture(Optional.of(artifact.toString()));
    }
    if (!scheme.equals("file") && !scheme.equals("classpath")) {
      return CompletableFuture.failedFuture(
          AwsErrors.clientError(
              ErrorCategory.INVALID_INPUT,
              "cannot stage artifact " + artifact + ": use file:, classpath: or s3:// URIs"));
    }
    boolean triton = model.format() == ModelFormat.ONNX && !archive;
    return CompletableFuture.supplyAsync(
            () -> pack(model, artifact, archive, triton, batching, device), io)
        .thenCompose(
            packed ->
                bucket
                    .apply(ctx)
                    .thenCompose(
                        b -> {
                          String key =
                              options.stagingPrefix()
                                  + "/"
                                  + model.name()
                                  + "/"
                                  + model.version()
                                  + "/"
                                  + packed.sha256.substring(0, 16)
                                  + "/model.tar.gz";
                          // Keys are content-addressed: an archive already there is not sent again.
                          return exists(b, key, ctx)
                              .thenCompose(
                                  found ->
                                      found
                                          ? CompletableFuture.<Void>completedFuture(null)
                                          : upload(b, key, packed.file, ctx))
                              .thenApply(x -> Optional.of("s3://" + b + "/" + key));
                        })
                    .whenComplete((v, e) -> deleteQuietly(packed.file)));
  }

  /**
   * An {@code s3://} ONNX file is not downloaded: its Triton repository is laid out uncompressed
   * beside it in the staging bucket ({@code NAME/config.pbtxt} written, {@code NAME/1/model.onnx}
   * copied by S3 itself with CopyObject, so up to S3's 5 GB single-copy limit), and the model reads
   * that prefix ({@code ModelDataSource}, {@code CompressionType: None}). The prefix is
   * content-addressed by the artifact URI and the configuration.
   *
   * @return the prefix, ending in '/'
   */
  private CompletableFuture<String> repositoryInS3(
      Model model, URI artifact, BatchingPolicy batching, DeviceKind device, CallContext ctx) {
    String sourceBucket = artifact.getHost();
    String sourceKey = artifact.getPath() == null ? "" : artifact.getPath().replaceFirst("^/", "");
    if (sourceBucket == null || sourceKey.isEmpty() || sourceKey.endsWith("/")) {
      return CompletableFuture.failedFuture(
          AwsErrors.clientError(
              ErrorCategory.INVALID_INPUT,
              "ONNX artifact " + artifact + " must name one object: s3://BUCKET/KEY.onnx"));
    }
    String name = ModelArchive.modelName(model.name());
    String config;
    try {
      config = TritonRepository.config(name, model.signature().orElse(null), batching, device);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    String digest;
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(artifact.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(config.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      digest = HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      return CompletableFuture.failedFuture(new IllegalStateException(e));
    }
    return bucket
        .apply(ctx)
        .thenCompose(
            b -> {
              String prefix =
                  options.stagingPrefix()
                      + "/"
                      + model.name()
                      + "/"
                      + model.version()
                      + "/"
                      + digest
                      + "/";
              String configKey = prefix + TritonRepository.configPath(name);
              String modelKey = prefix + TritonRepository.modelPath(name);
              AwsCalls.checkCancelled(ctx);
              PutObjectRequest.Builder put =
                  PutObjectRequest.builder()
                      .bucket(b)
                      .key(configKey)
                      .overrideConfiguration(AwsCalls.timeout(ctx));
              options
                  .kmsKeyId()
                  .ifPresent(
                      k -> put.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(k));
              return AwsErrors.WIRE
                  .call(
                      "staging s3://" + b + "/" + configKey,
                      () -> s3.putObject(put.build(), AsyncRequestBody.fromString(config)))
                  .thenCompose(
                      x -> {
                        AwsCalls.checkCancelled(ctx);
                        software.amazon.awssdk.services.s3.model.CopyObjectRequest.Builder copy =
                            software.amazon.awssdk.services.s3.model.CopyObjectRequest.builder()
                                .sourceBucket(sourceBucket)
                                .sourceKey(sourceKey)
                                .destinationBucket(b)
                                .destinationKey(modelKey)
                                .overrideConfiguration(AwsCalls.timeout(ctx));
                        options
                            .kmsKeyId()
                            .ifPresent(
                                k ->
                                    copy.serverSideEncryption(ServerSideEncryption.AWS_KMS)
                                        .ssekmsKeyId(k));
                        return AwsErrors.WIRE.call(
                            "CopyObject " + artifact + " to s3://" + b + "/" + modelKey,
                            () -> s3.copyObject(copy.build()));
                      })
                  .thenApply(x -> "s3://" + b + "/" + prefix);
            });
  }

  private record Packed(Path file, String sha256) {}

  private Packed pack(
      Model model,
      URI artifact,
      boolean archive,
      boolean triton,
      BatchingPolicy batching,
      DeviceKind device) {
    try {
      Path tmp = Files.createTempFile("serve4j-aws-", ".tar.gz");
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      try (OutputStream raw = Files.newOutputStream(tmp);
          OutputStream out = new java.security.DigestOutputStream(raw, sha)) {
        if (triton) {
          String name = ModelArchive.modelName(model.name());
          String config =
              TritonRepository.config(name, model.signature().orElse(null), batching, device);
          try (InputStream in = open(artifact)) {
            ModelArchive.writeTarGz(name, in, config, out);
          }
        } else if (archive) {
          try (InputStream in = open(artifact)) {
            in.transferTo(out);
          }
        } else if (artifact.getScheme() == null || artifact.getScheme().equals("file")) {
          ModelArchive.writeTarGz(Path.of(artifact), out);
        } else {
          String path = artifact.getSchemeSpecificPart();
          String file = path.substring(path.lastIndexOf('/') + 1);
          try (InputStream in = open(artifact);
              java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
            ModelArchive.Tar tar = new ModelArchive.Tar(gz);
            tar.file(file, in.readAllBytes());
            tar.finish();
          }
        }
      }
      return new Packed(tmp, HexFormat.of().formatHex(sha.digest()));
    } catch (IOException e) {
      throw AwsErrors.clientError(
          ErrorCategory.INVALID_INPUT, "cannot read model artifact " + artifact + ": " + e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static InputStream open(URI artifact) throws IOException {
    if ("classpath".equals(artifact.getScheme())) {
      String path = artifact.getSchemeSpecificPart();
      while (path.startsWith("/")) {
        path = path.substring(1);
      }
      ClassLoader cl = Thread.currentThread().getContextClassLoader();
      InputStream in = cl != null ? cl.getResourceAsStream(path) : null;
      if (in == null) {
        in = S3Staging.class.getClassLoader().getResourceAsStream(path);
      }
      if (in == null) {
        throw new IOException("no classpath resource " + path);
      }
      return in;
    }
    return Files.newInputStream(Path.of(artifact));
  }

  private CompletableFuture<Boolean> exists(String bucket, String key, CallContext ctx) {
    return AwsErrors.WIRE
        .call(
            "HeadObject s3://" + bucket + "/" + key,
            () ->
                s3.headObject(
                    r -> r.bucket(bucket).key(key).overrideConfiguration(AwsCalls.timeout(ctx))))
        .handle(
            (r, e) -> {
              if (e == null) {
                return true;
              }
              if (AwsErrors.isNotFound(e)) {
                return false;
              }
              throw AwsErrors.map("HeadObject s3://" + bucket + "/" + key, e);
            });
  }

  /**
   * Uploads a file, in parts when it is larger than the multipart threshold.
   *
   * @param bucket the bucket
   * @param key the key
   * @param file the file
   * @param ctx the caller's context: its deadline bounds each S3 call
   * @return completes when uploaded
   */
  CompletableFuture<Void> upload(String bucket, String key, Path file, CallContext ctx) {
    long size;
    try {
      size = Files.size(file);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(new UncheckedIOException(e));
    }
    String what = "staging s3://" + bucket + "/" + key;
    if (size <= options.multipartThreshold()) {
      PutObjectRequest.Builder put =
          PutObjectRequest.builder()
              .bucket(bucket)
              .key(key)
              .contentLength(size)
              .overrideConfiguration(AwsCalls.timeout(ctx));
      options
          .kmsKeyId()
          .ifPresent(k -> put.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(k));
      return AwsErrors.WIRE
          .call(what, () -> s3.putObject(put.build(), AsyncRequestBody.fromFile(file)))
          .thenApply(r -> null);
    }
    CreateMultipartUploadRequest.Builder create =
        CreateMultipartUploadRequest.builder()
            .bucket(bucket)
            .key(key)
            .overrideConfiguration(AwsCalls.timeout(ctx));
    options
        .kmsKeyId()
        .ifPresent(k -> create.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(k));
    return AwsErrors.WIRE
        .call(what, () -> s3.createMultipartUpload(create.build()))
        .thenCompose(
            created -> {
              String uploadId = created.uploadId();
              List<CompletedPart> parts = new ArrayList<>();
              return uploadParts(bucket, key, uploadId, file, size, 0, 1, parts, what, ctx)
                  .thenCompose(
                      x ->
                          AwsErrors.WIRE.call(
                              what,
                              () ->
                                  s3.completeMultipartUpload(
                                      r ->
                                          r.bucket(bucket)
                                              .key(key)
                                              .uploadId(uploadId)
                                              .multipartUpload(
                                                  CompletedMultipartUpload.builder()
                                                      .parts(parts)
                                                      .build())
                                              .overrideConfiguration(AwsCalls.timeout(ctx)))))
                  .handle(
                      (v, e) -> {
                        if (e != null) {
                          s3.abortMultipartUpload(
                              r ->
                                  r.bucket(bucket)
                                      .key(key)
                                      .uploadId(uploadId)
                                      .overrideConfiguration(AwsCalls.cleanupTimeout()));
                          throw AwsErrors.map(what, e);
                        }
                        return (Void) null;
                      });
            });
  }

  private CompletableFuture<Void> uploadParts(
      String bucket,
      String key,
      String uploadId,
      Path file,
      long size,
      long offset,
      int number,
      List<CompletedPart> parts,
      String what,
      CallContext ctx) {
    if (offset >= size) {
      return CompletableFuture.completedFuture(null);
    }
    long length = Math.min(options.multipartPartSize(), size - offset);
    AsyncRequestBody body =
        AsyncRequestBody.fromFile(
            FileRequestBodyConfiguration.builder()
                .path(file)
                .position(offset)
                .numBytesToRead(length)
                .build());
    Function<software.amazon.awssdk.services.s3.model.UploadPartResponse, CompletedPart> done =
        r -> CompletedPart.builder().partNumber(number).eTag(r.eTag()).build();
    return AwsErrors.WIRE
        .call(
            what,
            () ->
                s3.uploadPart(
                    r ->
                        r.bucket(bucket)
                            .key(key)
                            .uploadId(uploadId)
                            .partNumber(number)
                            .contentLength(length)
                            .overrideConfiguration(AwsCalls.timeout(ctx)),
                    body))
        .thenCompose(
            r -> {
              parts.add(done.apply(r));
              return uploadParts(
                  bucket, key, uploadId, file, size, offset + length, number + 1, parts, what, ctx);
            });
  }

  /**
   * Writes a small object in one request (an asynchronous inference's input), encrypted with the
   * options' KMS key if set.
   *
   * @param bucket the bucket
   * @param key the key
   * @param bytes the content
   * @param contentType its MIME type
   * @param ctx the caller's context: its deadline bounds the call
   * @return completes when written
   */
  CompletableFuture<Void> put(
      String bucket, String key, byte[] bytes, String contentType, CallContext ctx) {
    PutObjectRequest.Builder put =
        PutObjectRequest.builder()
            .bucket(bucket)
            .key(key)
            .contentType(contentType)
            .contentLength((long) bytes.length)
            .overrideConfiguration(AwsCalls.timeout(ctx));
    options
        .kmsKeyId()
        .ifPresent(k -> put.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(k));
    return AwsErrors.WIRE
        .call(
            "PutObject s3://" + bucket + "/" + key,
            () -> s3.putObject(put.build(), AsyncRequestBody.fromBytes(bytes)))
        .thenApply(r -> null);
  }

  /**
   * Reads an object that may not exist yet (an asynchronous inference's result).
   *
   * @param location an {@code s3://bucket/key} URI
   * @param ctx the caller's context: its deadline bounds the call
   * @return the content with its metadata, empty while there is no such object
   */
  CompletableFuture<Optional<ResponseBytes<GetObjectResponse>>> getIfExists(
      URI location, CallContext ctx) {
    String bucket = location.getHost();
    String key = key(location);
    String what = "GetObject " + location;
    return AwsErrors.WIRE
        .call(
            what,
            () ->
                s3.getObject(
                    r -> r.bucket(bucket).key(key).overrideConfiguration(AwsCalls.timeout(ctx)),
                    AsyncResponseTransformer.toBytes()))
        .handle(
            (r, e) -> {
              if (e == null) {
                return Optional.of(r);
              }
              if (AwsErrors.isNotFound(e)) {
                return Optional.empty();
              }
              throw AwsErrors.map(what, e);
            });
  }

  /**
   * Deletes an object, best effort: a failure is logged, never thrown. Uses the clean-up timeout,
   * since the caller's deadline may be what ended the work.
   *
   * @param bucket the bucket
   * @param key the key
   * @return completes when done or given up
   */
  CompletableFuture<Void> deleteQuietly(String bucket, String key) {
    String what = "DeleteObject s3://" + bucket + "/" + key;
    return AwsErrors.WIRE
        .call(
            what,
            () ->
                s3.deleteObject(
                    r ->
                        r.bucket(bucket).key(key).overrideConfiguration(AwsCalls.cleanupTimeout())))
        .handle(
            (r, e) -> {
              if (e != null) {
                LOG.log(
                    System.Logger.Level.WARNING,
                    "could not delete staged object s3://{0}/{1}: {2}",
                    bucket,
                    key,
                    Wire.unwrap(e).getMessage());
              }
              return null;
            });
  }

  /**
   * The key of an {@code s3://bucket/key} URI, decoded.
   *
   * @param location the URI
   * @return the key, without the leading slash
   */
  static String key(URI location) {
    String path = location.getPath() == null ? "" : location.getPath();
    return path.startsWith("/") ? path.substring(1) : path;
  }

  static boolean isArchive(String uri) {
    String s = uri.toLowerCase(Locale.ROOT);
    return s.endsWith(".tar.gz") || s.endsWith(".tgz");
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // a temp file left behind is not worth failing a deployment
    }
  }
}
