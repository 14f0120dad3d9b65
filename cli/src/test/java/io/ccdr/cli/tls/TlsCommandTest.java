package io.ccdr.cli.tls;

import io.ccdr.tls.Pem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

class TlsCommandTest {
    @TempDir
    Path tmp;

    record Result(int exit, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new TlsCommand());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int exit = cmd.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void initCaIssueInspectRoundTrip() throws Exception {
        Path ca = tmp.resolve("ca-a");
        Result init = run("init-ca", "--name", "cluster-a", "--out", ca.toString());
        assertThat(init.exit()).as(init.err()).isZero();
        assertThat(init.out()).contains("Created CA 'cluster-a'").contains("SHA-256");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ca.resolve("ca.key"))))
                .isEqualTo("rw-------");

        Path policy = tmp.resolve("server-1/certificates/cluster");
        Result issue = run("issue", "--ca", ca.toString(), "--name", "server-1", "--san", "db-1.example",
                "--san", "10.0.0.1", "--out", policy.toString(), "--days", "30");
        assertThat(issue.exit()).as(issue.err()).isZero();
        assertThat(issue.out()).contains("DNS:db-1.example").contains("IP:10.0.0.1");
        assertThat(policy.resolve("private.key")).exists();
        assertThat(policy.resolve("public.crt")).exists();
        assertThat(policy.resolve("trusted/cluster-a.crt")).exists();
        assertThat(policy.resolve("revoked")).isDirectory();

        Result inspect = run("inspect", policy.toString());
        assertThat(inspect.exit()).as(inspect.out()).isZero();
        assertThat(inspect.out()).contains("CN=server-1").contains("matches public.crt: yes").endsWith("OK\n");

        Result inspectCert = run("inspect", policy.resolve("public.crt").toString());
        assertThat(inspectCert.exit()).isZero();
        assertThat(inspectCert.out()).contains("issuer:      CN=cluster-a");
    }

    @Test
    void failuresAreOneLineOnStderrWithNonZeroExit() {
        Path ca = tmp.resolve("ca");
        assertThat(run("init-ca", "--name", "a", "--out", ca.toString()).exit()).isZero();

        Result again = run("init-ca", "--name", "a", "--out", ca.toString());
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err().strip()).doesNotContain("\n").startsWith("ccdr tls init-ca: refusing to overwrite");
        assertThat(again.out()).isEmpty();

        Path policy = tmp.resolve("p");
        assertThat(run("issue", "--ca", ca.toString(), "--name", "n", "--san", "127.0.0.1", "--out",
                policy.toString()).exit()).isZero();
        Result reissue = run("issue", "--ca", ca.toString(), "--name", "n", "--san", "127.0.0.1", "--out",
                policy.toString());
        assertThat(reissue.exit()).isEqualTo(1);
        assertThat(reissue.err().strip()).doesNotContain("\n").contains("refusing to overwrite")
                .contains("private.key");

        Result badSan = run("issue", "--ca", ca.toString(), "--name", "n", "--san", "bad name", "--out",
                tmp.resolve("q").toString());
        assertThat(badSan.exit()).isEqualTo(1);
        assertThat(badSan.err().strip()).doesNotContain("\n").contains("'bad name'");

        Result noCa = run("issue", "--ca", tmp.resolve("nope").toString(), "--name", "n", "--san", "1.2.3.4",
                "--out", tmp.resolve("r").toString());
        assertThat(noCa.exit()).isEqualTo(1);
        assertThat(noCa.err()).contains("not a CA directory");

        Result missing = run("inspect", tmp.resolve("nothing-here").toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err().strip()).isEqualTo("ccdr tls inspect: no such file or directory: "
                + tmp.resolve("nothing-here"));

        assertThat(run("issue", "--ca", ca.toString()).exit()).as("picocli usage error").isNotZero();
    }

    @Test
    void revokeWritesTheCrlIntoEachPolicyAndInspectReportsIt() {
        Path ca = tmp.resolve("ca");
        run("init-ca", "--name", "cluster-a", "--out", ca.toString());
        Path p1 = tmp.resolve("p1");
        Path p2 = tmp.resolve("p2");
        run("issue", "--ca", ca.toString(), "--name", "n1", "--san", "127.0.0.1", "--out", p1.toString());
        run("issue", "--ca", ca.toString(), "--name", "n2", "--san", "127.0.0.1", "--out", p2.toString());

        Result revoke = run("revoke", "--ca", ca.toString(), "--cert", p2.resolve("public.crt").toString(),
                "--policy", p1.toString(), "--policy", p2.toString());
        assertThat(revoke.exit()).as(revoke.err()).isZero();
        assertThat(revoke.out()).contains("Revoked CN=n2").contains("lists 1 certificate(s)");
        assertThat(ca.resolve("cluster-a.crl")).exists();
        assertThat(Pem.readCrls(p1.resolve("revoked/cluster-a.crl")).get(0)
                .isRevoked(Pem.readCertificate(p2.resolve("public.crt")))).isTrue();
        assertThat(p2.resolve("revoked/cluster-a.crl")).exists();

        Result inspect = run("inspect", p2.toString());
        assertThat(inspect.exit()).isEqualTo(TlsCommand.PROBLEMS_FOUND);
        assertThat(inspect.out()).contains("PROBLEMS").contains("revoked");

        Result again = run("revoke", "--ca", ca.toString(), "--cert", p2.resolve("public.crt").toString());
        assertThat(again.exit()).isZero();
        assertThat(again.out()).contains("Already revoked").contains("--policy");
    }

    @Test
    void trustAddsTheOtherClustersCaOnce() {
        Path caA = tmp.resolve("ca-a");
        Path caB = tmp.resolve("ca-b");
        run("init-ca", "--name", "cluster-a", "--out", caA.toString());
        run("init-ca", "--name", "cluster-b", "--out", caB.toString());
        Path p = tmp.resolve("p");
        run("issue", "--ca", caA.toString(), "--name", "a1", "--san", "127.0.0.1", "--out", p.toString());

        Result trust = run("trust", "--policy", p.toString(), "--ca-cert", caB.resolve("ca.crt").toString());
        assertThat(trust.exit()).as(trust.err()).isZero();
        assertThat(trust.out()).startsWith("Trusted CN=cluster-b");
        assertThat(p.resolve("trusted/cluster-b.crt")).exists();
        assertThat(run("trust", "--policy", p.toString(), "--ca-cert", caB.resolve("ca.crt").toString()).out())
                .startsWith("Already trusted");

        Result notCa = run("trust", "--policy", p.toString(), "--ca-cert", p.resolve("public.crt").toString());
        assertThat(notCa.exit()).isEqualTo(1);
        assertThat(notCa.err()).contains("not a CA certificate");
    }
}
