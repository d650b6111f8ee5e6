package org.parley.it;

class SqliteMediaIT extends MediaContract {
    @Override
    TestNode.Store store() {
        return TestNode.Store.SQLITE;
    }
}
