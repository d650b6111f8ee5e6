package org.parley.server.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

class SqliteStoreTest extends StoreContract {
    private Path dir;

    @Override
    protected Database open() throws Exception {
        dir = Files.createTempDirectory("parley-store");
        return SqliteDatabase.open(dir);
    }

    @Override
    protected void cleanUp() throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
