/** The README's quickstart, compiled and run by the examples' tests. */
package io.serve4j.examples.quickstart;
