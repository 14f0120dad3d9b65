package io.ccdr.cli.server;

import io.ccdr.node.ServerMain;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ccdr server --conf FILE}: runs one server in the foreground. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = {"Run one ccdr server in the foreground.",
                "Settings come from a Neo4j-style properties file; any setting can be overridden by an environment "
                        + "variable CCDR_<key> with '.' written as '_' and '_' as '__' "
                        + "(e.g. CCDR_server_bolt_listen__address=:7688)."})
public final class ServerCommand implements Callable<Integer> {
    @Option(names = "--conf", required = true, paramLabel = "FILE", description = "configuration file (ccdr.conf)")
    Path conf;

    @Override
    public Integer call() {
        return ServerMain.run(conf, System.out);
    }
}
