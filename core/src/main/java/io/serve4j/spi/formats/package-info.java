/**
 * Serving formats shared by providers (SPI helpers, not user API): the Triton Inference Server
 * model repository layout and its {@code config.pbtxt} ({@link
 * io.serve4j.spi.formats.TritonRepository}), and the JSON form of a {@link
 * io.serve4j.ModelSignature} that providers keep in their cloud's metadata so that a fresh client
 * learns it ({@link io.serve4j.spi.formats.SignatureJson}).
 *
 * <p>These are written once here so that every cloud produces the same text. How the files reach a
 * cloud (a {@code model.tar.gz}, objects in a bucket, blobs in a datastore) and where the signature
 * is kept (environment variables, properties, a description) is the provider's wire and stays in
 * the provider.
 */
package io.serve4j.spi.formats;
