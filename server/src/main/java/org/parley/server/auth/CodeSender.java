package org.parley.server.auth;

/** Delivers a sign-in code to a phone (SMS, a messaging gateway, ...). */
public interface CodeSender {
    void send(String phone, String code);
}
