/** Internals of serve4j-spark; not an API, may change at any time. */
package io.serve4j.spark.internal;
