package org.parley.it;

class PostgresMediaIT extends MediaContract {
    @Override
    TestNode.Store store() {
        return TestNode.Store.POSTGRES;
    }
}
