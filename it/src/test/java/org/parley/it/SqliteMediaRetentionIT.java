package org.parley.it;

class SqliteMediaRetentionIT extends MediaRetentionContract {
    @Override
    TestNode.Store store() {
        return TestNode.Store.SQLITE;
    }
}
