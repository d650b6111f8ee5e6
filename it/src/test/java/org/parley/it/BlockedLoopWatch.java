package org.parley.it;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/** Collects Vert.x's "thread blocked" warnings about event-loop threads in this JVM. */
final class BlockedLoopWatch extends AppenderBase<ILoggingEvent> {
    static final BlockedLoopWatch INSTANCE = new BlockedLoopWatch();
    private final List<String> events = new CopyOnWriteArrayList<>();

    private BlockedLoopWatch() {
        Logger checker = (Logger) LoggerFactory.getLogger("io.vertx.core.impl.BlockedThreadChecker");
        setContext(checker.getLoggerContext());
        start();
        checker.addAppender(this);
    }

    @Override
    protected void append(ILoggingEvent e) {
        if (e.getFormattedMessage().contains("eventloop")) events.add(e.getFormattedMessage());
    }

    List<String> events() {
        return List.copyOf(events);
    }
}
