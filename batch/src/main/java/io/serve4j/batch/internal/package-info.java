/** Implementation of the batch scorer: readers, writers, mapping, checkpoints. Not a public API. */
package io.serve4j.batch.internal;
