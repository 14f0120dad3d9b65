package io.ccdr.tls;

import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Three Ratis peers in one JVM form a group over mutual TLS built from SslPolicy.grpcTlsConfig(). */
class RatisMutualTlsTest {
    @TempDir
    Path tmp;

    /** Counts applied entries; nothing else. */
    static final class CountingStateMachine extends BaseStateMachine {
        final AtomicLong applied = new AtomicLong();

        @Override
        public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
            var entry = trx.getLogEntry();
            updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
            applied.incrementAndGet();
            return CompletableFuture.completedFuture(Message.valueOf("applied"));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void threePeersCommitAnEntryOverMutualTls() throws Exception {
        CertificateAuthority ca = CertificateAuthority.initCa("raft-ca", tmp.resolve("ca"));
        List<RaftPeer> peers = new ArrayList<>();
        List<SslPolicy> policies = new ArrayList<>();
        List<RaftServer> servers = new ArrayList<>();
        List<CountingStateMachine> machines = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                peers.add(RaftPeer.newBuilder().setId("p" + i).setAddress("127.0.0.1:" + freePort()).build());
                Path dir = tmp.resolve("p" + i);
                ca.issue("p" + i, List.of("127.0.0.1", "localhost"), dir, 30);
                policies.add(SslPolicy.load(SslPolicyConfig.forDirectory(SslPolicyConfig.CLUSTER, dir)));
            }
            RaftGroup group = RaftGroup.valueOf(RaftGroupId.randomId(), peers);
            for (int i = 0; i < 3; i++) {
                RaftProperties props = properties();
                GrpcConfigKeys.Server.setPort(props, Integer.parseInt(peers.get(i).getAddress().split(":")[1]));
                RaftServerConfigKeys.setStorageDir(props, List.of(tmp.resolve("raft-" + i).toFile()));
                CountingStateMachine machine = new CountingStateMachine();
                machines.add(machine);
                RaftServer server = RaftServer.newBuilder()
                        .setServerId(RaftPeerId.valueOf("p" + i))
                        .setGroup(group)
                        .setStateMachine(machine)
                        .setProperties(props)
                        .setParameters(tlsParameters(policies.get(i).grpcTlsConfig()))
                        .setOption(RaftStorage.StartupOption.FORMAT)
                        .build();
                servers.add(server);
                server.start();
            }
            try (RaftClient client = RaftClient.newBuilder()
                    .setRaftGroup(group)
                    .setProperties(properties())
                    .setParameters(tlsParameters(policies.get(0).grpcTlsConfig()))
                    .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(100,
                            TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
                    .build()) {
                RaftClientReply reply = client.io().send(Message.valueOf("hello over mTLS"));
                assertThat(reply.isSuccess()).isTrue();
                assertThat(reply.getMessage().getContent().toString(StandardCharsets.UTF_8)).isEqualTo("applied");
            }
            Await.until(Duration.ofSeconds(15), "all three peers apply the entry",
                    () -> machines.stream().allMatch(m -> m.applied.get() >= 1));

            // And TLS is really in force: a client whose certificate comes from another CA gets nowhere.
            List<PeerRefusal> refusals = new CopyOnWriteArrayList<>();
            policies.forEach(p -> p.addRefusalListener(refusals::add));
            CertificateAuthority stranger = CertificateAuthority.initCa("stranger", tmp.resolve("ca-stranger"));
            Path intruderDir = tmp.resolve("intruder");
            stranger.issue("intruder", List.of("127.0.0.1"), intruderDir, 30);
            PolicyFiles.trust(intruderDir, ca.directory().resolve("ca.crt"));
            long appliedBefore = machines.get(0).applied.get();
            try (SslPolicy intruderPolicy = SslPolicy.load(SslPolicyConfig.forDirectory(SslPolicyConfig.CLUSTER,
                         intruderDir));
                 RaftClient intruder = RaftClient.newBuilder()
                         .setRaftGroup(group)
                         .setProperties(properties())
                         .setParameters(tlsParameters(intruderPolicy.grpcTlsConfig()))
                         .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(2,
                                 TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
                         .build()) {
                assertThatThrownBy(() -> intruder.io().send(Message.valueOf("should not apply")))
                        .isInstanceOf(IOException.class);
            }
            assertThat(refusals).isNotEmpty().allSatisfy(r -> {
                assertThat(r.subject()).isEqualTo("CN=intruder");
                assertThat(r.reason()).contains("not issued by a trusted CA");
            });
            assertThat(machines.get(0).applied.get()).isEqualTo(appliedBefore);
        } finally {
            for (RaftServer s : servers) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // best effort in teardown
                }
            }
            policies.forEach(SslPolicy::close);
        }
    }

    private static RaftProperties properties() {
        RaftProperties props = new RaftProperties();
        RaftConfigKeys.Rpc.setType(props, SupportedRpcType.GRPC);
        RaftServerConfigKeys.Rpc.setTimeoutMin(props, TimeDuration.valueOf(300, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(props, TimeDuration.valueOf(600, TimeUnit.MILLISECONDS));
        return props;
    }

    private static Parameters tlsParameters(GrpcTlsConfig tls) {
        Parameters parameters = new Parameters();
        GrpcConfigKeys.TLS.setConf(parameters, tls);
        GrpcConfigKeys.Server.setTlsConf(parameters, tls);
        GrpcConfigKeys.Client.setTlsConf(parameters, tls);
        GrpcConfigKeys.Admin.setTlsConf(parameters, tls);
        return parameters;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
