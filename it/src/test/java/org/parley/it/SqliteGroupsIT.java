package org.parley.it;

class SqliteGroupsIT extends GroupsContract {
    @Override
    TestNode.Store store() {
        return TestNode.Store.SQLITE;
    }
}
