package io.ccdr.node;

import io.ccdr.node.config.ConfigException;
import io.ccdr.node.config.ServerConfig;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Runs one server in the foreground until the process is stopped: {@code ccdr server --conf FILE}.
 * Prints one line per listening address and a {@code ready} line once the cluster has formed.
 */
public final class ServerMain {
    private ServerMain() {
    }

    /** Returns the process exit code: 0 after a clean stop, 2 for bad configuration, 1 for failure. */
    public static int run(Path confFile, PrintStream out) {
        ServerConfig config;
        try {
            config = ServerConfig.load(confFile, System.getenv());
        } catch (ConfigException e) {
            out.println("Configuration error: " + e.getMessage());
            return 2;
        }
        CcdrServer server;
        try {
            server = CcdrServer.start(config);
        } catch (Exception e) {
            out.println("Failed to start: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "ccdr-shutdown"));
        out.println("ccdr server " + server.serverId() + " data=" + config.dataDirectory());
        out.println("listening: cluster " + config.clusterListenAddress() + " (advertised " + config.clusterAdvertisedAddress() + ")");
        out.println("listening: raft " + config.raftListenAddress() + " (advertised " + config.raftAdvertisedAddress() + ")");
        if (config.boltEnabled()) {
            out.println("listening: bolt " + config.boltListenAddress() + " (advertised " + config.boltAdvertisedAddress() + ", tls "
                    + config.boltTlsLevel().toLowerCase(java.util.Locale.ROOT) + ")");
        }
        if (server.metricsPort() > 0) {
            out.println("listening: metrics and health http://" + config.metrics().endpointText() + "/metrics");
        }
        out.flush();
        try {
            while (!server.awaitReady(Duration.ofSeconds(30))) {
                out.println("waiting for the cluster to form (endpoints " + config.endpoints() + ")");
                out.flush();
            }
            out.println("ready: server " + server.serverId() + " databases " + server.systemState().databases().keySet());
            out.flush();
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    public static void main(String[] args) {
        io.ccdr.node.util.CommonPool.ensureParallelism();
        if (args.length != 2 || !args[0].equals("--conf")) {
            System.err.println("usage: ServerMain --conf FILE");
            System.exit(2);
        }
        System.exit(run(Path.of(args[1]), System.out));
    }
}
