/**
 * Implementation of the {@code azure} provider: the ARM and scoring HTTP calls on azure-core's
 * {@code HttpPipeline}, long-running-operation polling, request bodies, the single error mapper and
 * artifact upload. Not API: users must not depend on it.
 */
package io.serve4j.azure.internal;
