package org.parley.it;

class PostgresGroupsIT extends GroupsContract {
    @Override
    TestNode.Store store() {
        return TestNode.Store.POSTGRES;
    }
}
