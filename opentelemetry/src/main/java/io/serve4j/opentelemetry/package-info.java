/** OpenTelemetry spans and metrics for serve4j clients. */
package io.serve4j.opentelemetry;
