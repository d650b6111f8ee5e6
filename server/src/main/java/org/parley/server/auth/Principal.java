package org.parley.server.auth;

/** Who is calling: a user, through one of their devices. */
public record Principal(String userId, String deviceId) {}
