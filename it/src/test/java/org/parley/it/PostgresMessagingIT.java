package org.parley.it;

class PostgresMessagingIT extends MessagingContract {
    @Override
    TestNode.Store store() {
        return TestNode.Store.POSTGRES;
    }
}
