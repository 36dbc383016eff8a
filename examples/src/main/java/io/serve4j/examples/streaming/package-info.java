/** The README's streaming example, compiled and run by the examples' tests. */
package io.serve4j.examples.streaming;
