/** Batch scoring of record files through any endpoint ({@code io.serve4j.batch}). */
module io.serve4j.batch {
  requires transitive io.serve4j;
  requires com.fasterxml.jackson.databind;

  exports io.serve4j.batch;
}
