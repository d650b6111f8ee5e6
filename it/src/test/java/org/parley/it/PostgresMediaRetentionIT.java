package org.parley.it;

class PostgresMediaRetentionIT extends MediaRetentionContract {
    @Override
    TestNode.Store store() {
        return TestNode.Store.POSTGRES;
    }
}
