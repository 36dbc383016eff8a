/**
 * Micrometer meters and observations for serve4j clients: add a {@link
 * io.serve4j.micrometer.MicrometerServingListener} to a client's builder.
 */
package io.serve4j.micrometer;
