/**
 * The in-memory reference provider ({@code memory}): endpoints in a map, predictions from a
 * function the test supplies. Use it in unit tests of code that depends on serve4j.
 */
package io.serve4j.testkit.memory;
