package io.serve4j.server;
