/** Wire formats shared by providers: the Open Inference Protocol v2 JSON codec. */
package io.serve4j.protocol;
