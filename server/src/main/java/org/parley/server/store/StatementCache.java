package org.parley.server.store;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keeps each connection's prepared statements for reuse. SQLite compiles a statement on every
 * {@code prepareStatement} (its driver keeps nothing), and compiling costs more than running a
 * small insert: a profile of the message path had a sixth of the node's time in it. A
 * statement taken from the cache is the caller's alone until it closes it; closing hands it
 * back with its parameters cleared. At most {@code capacity} idle statements per connection
 * (least recently used leave first), all closed with their connection.
 */
final class StatementCache {
    private StatementCache() {}

    /** {@code raw}, keeping its prepared statements (it closes them when it closes). */
    static Connection caching(Connection raw, int capacity) {
        return (Connection) Proxy.newProxyInstance(StatementCache.class.getClassLoader(), new Class<?>[] {Connection.class},
                new Cached(raw, capacity));
    }

    /** One connection and its idle statements by SQL text (one connection is used by one thread at a time). */
    private static final class Cached implements InvocationHandler {
        private final Connection raw;
        private final int capacity;
        private final LinkedHashMap<String, ArrayDeque<PreparedStatement>> idle = new LinkedHashMap<>(64, 0.75f, true);
        private int idleCount;

        Cached(Connection raw, int capacity) {
            this.raw = raw;
            this.capacity = capacity;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            if (name.equals("prepareStatement") && args.length == 1) return take((String) args[0]);
            if (name.equals("close")) closeAll();
            if (name.equals("equals")) return proxy == args[0];
            if (name.equals("hashCode")) return System.identityHashCode(proxy);
            return call(raw, method, args);
        }

        private PreparedStatement take(String sql) throws SQLException {
            ArrayDeque<PreparedStatement> free = idle.get(sql);
            PreparedStatement ps = free == null ? null : free.poll();
            if (ps != null) idleCount--;
            else ps = raw.prepareStatement(sql);
            PreparedStatement out = ps;
            return (PreparedStatement) Proxy.newProxyInstance(StatementCache.class.getClassLoader(), new Class<?>[] {PreparedStatement.class},
                    new InvocationHandler() {
                        private boolean closed;
                        private ResultSet results;

                        @Override
                        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
                            switch (method.getName()) {
                                case "close" -> {
                                    if (!closed) {
                                        closed = true;
                                        if (results != null) results.close(); // ends the statement's step, as closing would
                                        giveBack(sql, out);
                                    }
                                    return null;
                                }
                                case "isClosed" -> {
                                    return closed;
                                }
                                case "equals" -> {
                                    return proxy == args[0];
                                }
                                case "hashCode" -> {
                                    return System.identityHashCode(proxy);
                                }
                                default -> {
                                    if (closed) throw new SQLException("statement is closed");
                                    Object result = call(out, method, args);
                                    if (result instanceof ResultSet rs) results = rs;
                                    return result;
                                }
                            }
                        }
                    });
        }

        private void giveBack(String sql, PreparedStatement ps) throws SQLException {
            if (raw.isClosed()) {
                ps.close();
                return;
            }
            try {
                ps.clearParameters();
                ps.clearBatch();
            } catch (SQLException e) {
                ps.close(); // not worth keeping
                return;
            }
            idle.computeIfAbsent(sql, k -> new ArrayDeque<>(1)).push(ps);
            idleCount++;
            Iterator<Map.Entry<String, ArrayDeque<PreparedStatement>>> eldest = idle.entrySet().iterator();
            while (idleCount > capacity && eldest.hasNext()) {
                ArrayDeque<PreparedStatement> statements = eldest.next().getValue();
                while (idleCount > capacity && !statements.isEmpty()) {
                    idleCount--;
                    statements.pollLast().close();
                }
                if (statements.isEmpty()) eldest.remove();
            }
        }

        private void closeAll() {
            for (ArrayDeque<PreparedStatement> statements : idle.values()) {
                for (PreparedStatement ps : statements) {
                    try {
                        ps.close();
                    } catch (SQLException ignored) {
                        // the connection is closing anyway
                    }
                }
            }
            idle.clear();
            idleCount = 0;
        }
    }

    private static Object call(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
