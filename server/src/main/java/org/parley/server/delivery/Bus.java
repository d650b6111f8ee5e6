package org.parley.server.delivery;

import java.util.function.Consumer;

/**
 * Carries events to every node (each node then delivers to the sockets it holds). The
 * embedded node uses {@link LocalBus}; a cluster uses a broker.
 */
public interface Bus extends AutoCloseable {

    /** Publishes in order: events published by one thread are seen in that order. */
    void publish(Event event);

    void subscribe(Consumer<Event> subscriber);

    @Override
    default void close() {}
}
