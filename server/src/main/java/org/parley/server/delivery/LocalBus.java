package org.parley.server.delivery;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The in-process bus of a single node: subscribers run on the publishing thread. */
public final class LocalBus implements Bus {
    private static final Logger log = LoggerFactory.getLogger(LocalBus.class);
    private final List<Consumer<Event>> subscribers = new CopyOnWriteArrayList<>();

    @Override
    public void publish(Event event) {
        for (Consumer<Event> s : subscribers) {
            try {
                s.accept(event);
            } catch (RuntimeException e) {
                log.error("subscriber failed on {}", event.getClass().getSimpleName(), e);
            }
        }
    }

    @Override
    public void subscribe(Consumer<Event> subscriber) {
        subscribers.add(subscriber);
    }
}
