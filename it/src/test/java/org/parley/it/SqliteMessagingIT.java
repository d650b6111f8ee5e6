package org.parley.it;

class SqliteMessagingIT extends MessagingContract {
    @Override
    TestNode.Store store() {
        return TestNode.Store.SQLITE;
    }
}
