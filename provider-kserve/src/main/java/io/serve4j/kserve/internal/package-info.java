/**
 * Internal parts of the KServe provider: manifests, status reading, lifecycle, OIP REST inference,
 * error mapping. Not an API: may change without notice.
 */
package io.serve4j.kserve.internal;
