/** The README's multi-model endpoint example, compiled and run by the examples' tests. */
package io.serve4j.examples.multimodel;
