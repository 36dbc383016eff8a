/** Core's implementation; not API, may change without notice. */
package io.serve4j.internal;
