/** Cloud-to-local failover and shadow comparison, as shown in the README. */
package io.serve4j.examples.resilience;
