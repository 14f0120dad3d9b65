package io.ccdr.replica;

import io.ccdr.node.CcdrServer;
import io.ccdr.node.cypher.Procedure;
import io.ccdr.node.extension.ServerExtension;

/** A DBMS procedure of the replica role, on the {@code system} database, run for an authenticated caller (admins only). */
abstract class DbmsProcedure implements Procedure {
    protected final CcdrServer server;
    protected final ServerExtension.Caller caller;

    DbmsProcedure(CcdrServer server, ServerExtension.Caller caller) {
        this.server = server;
        this.caller = caller;
    }

    @Override
    public final Mode mode() {
        return Mode.DBMS;
    }
}
