package org.parley.server.auth;

/** The remote address of a caller, for per-IP limits. */
public record ClientAddress(String ip, boolean loopback) {}
