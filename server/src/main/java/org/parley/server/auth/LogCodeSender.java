package org.parley.server.auth;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The development sender: writes the code to the log instead of texting it. */
public final class LogCodeSender implements CodeSender {
    private static final Logger log = LoggerFactory.getLogger(LogCodeSender.class);

    @Override
    public void send(String phone, String code) {
        log.info("sign-in code for {} is {} (development sender: no SMS was sent)", phone, code);
    }
}
