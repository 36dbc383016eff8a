/** The starter's plumbing; not for applications. */
package io.serve4j.spring.boot.internal;
