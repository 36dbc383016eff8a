/**
 * Implementation of the {@code local} provider: model loading, execution-provider selection, the
 * run path and error mapping. Not an API; it may change in any release.
 */
package io.serve4j.local.internal;
