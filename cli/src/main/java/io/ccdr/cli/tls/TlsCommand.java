package io.ccdr.cli.tls;

import io.ccdr.tls.CertificateAuthority;
import io.ccdr.tls.CertificateInfo;
import io.ccdr.tls.Pem;
import io.ccdr.tls.PolicyFiles;
import io.ccdr.tls.PolicyInspector;
import io.ccdr.tls.TlsException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code ccdr tls}: the operator's PKI for ccdr clusters. A CA directory holds {@code ca.key}/{@code ca.crt}
 * (and the CA's CRL); a policy directory has Neo4j's layout ({@code private.key}, {@code public.crt},
 * {@code trusted/}, {@code revoked/}) and is what {@code dbms.ssl.policy.<scope>.base_directory} points at.
 * Running servers pick up changes to {@code trusted/} and {@code revoked/} without restart.
 */
@Command(name = "tls",
        mixinStandardHelpOptions = true,
        description = "Certificate authority, node certificates, trust and revocation for SSL policy directories.",
        subcommands = {TlsCommand.InitCa.class, TlsCommand.Issue.class, TlsCommand.Trust.class,
                TlsCommand.Revoke.class, TlsCommand.Inspect.class})
public final class TlsCommand implements Runnable {
    /** Exit code of {@code inspect} when it could read everything but found problems. */
    public static final int PROBLEMS_FOUND = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Runs the body; PKI errors become one line on stderr and exit code 1. */
    abstract static class Subcommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        abstract int execute();

        @Override
        public final Integer call() {
            try {
                return execute();
            } catch (TlsException | IllegalArgumentException | UncheckedIOException e) {
                err().println("ccdr tls " + spec.name() + ": " + e.getMessage());
                err().flush();
                return 1;
            }
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }
    }

    @Command(name = "init-ca", mixinStandardHelpOptions = true,
            description = "Create a certificate authority (EC P-256, valid 10 years): DIR/ca.key (0600) and DIR/ca.crt.")
    static final class InitCa extends Subcommand {
        @Option(names = "--name", required = true, paramLabel = "NAME", description = "CA name (certificate CN).")
        String name;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "CA directory (created if missing).")
        Path out;

        @Override
        int execute() {
            CertificateAuthority ca = CertificateAuthority.initCa(name, out);
            CertificateInfo info = CertificateInfo.of(ca.certificate());
            out().printf("Created CA '%s' in %s%n", ca.name(), out.toAbsolutePath());
            out().printf("  certificate: %s (valid until %s)%n", out.resolve(CertificateAuthority.CERT_FILE),
                    info.notAfter());
            out().printf("  SHA-256:     %s%n", info.sha256());
            out().printf("  private key: %s (owner-only; keep it off the servers)%n",
                    out.resolve(CertificateAuthority.KEY_FILE));
            return 0;
        }
    }

    @Command(name = "issue", mixinStandardHelpOptions = true,
            description = "Issue a node certificate into a policy directory: private.key (0600), public.crt, "
                    + "trusted/<ca>.crt, revoked/.")
    static final class Issue extends Subcommand {
        @Option(names = "--ca", required = true, paramLabel = "DIR", description = "CA directory.")
        Path ca;

        @Option(names = "--name", required = true, paramLabel = "SERVER", description = "Server name (certificate CN).")
        String name;

        @Option(names = "--san", required = true, split = ",", paramLabel = "NAME_OR_IP",
                description = "Subject alternative name: an IP literal becomes an IP SAN, anything else a DNS SAN. "
                        + "Repeat for each name and address peers dial.")
        List<String> sans;

        @Option(names = "--out", required = true, paramLabel = "POLICY_DIR", description = "Policy directory.")
        Path out;

        @Option(names = "--days", defaultValue = "" + CertificateAuthority.DEFAULT_CERT_DAYS, paramLabel = "N",
                description = "Validity in days (default: ${DEFAULT-VALUE}).")
        int days;

        @Override
        int execute() {
            CertificateAuthority authority = CertificateAuthority.load(ca);
            var issued = authority.issue(name, sans, out, days);
            CertificateInfo info = CertificateInfo.of(issued.certificate());
            out().printf("Issued certificate for '%s' by CA '%s' into %s%n", name, authority.name(),
                    out.toAbsolutePath());
            out().printf("  public.crt:  %s, valid until %s%n", String.join(", ", info.sans()), info.notAfter());
            out().printf("  private.key: %s (owner-only)%n", issued.privateKey());
            out().printf("  trusted:     %s%n", issued.trustedCa());
            return 0;
        }
    }

    @Command(name = "trust", mixinStandardHelpOptions = true,
            description = "Add another CA's certificate (e.g. the other cluster's) to a policy's trusted/ directory. "
                    + "Running servers pick it up within their reload interval.")
    static final class Trust extends Subcommand {
        @Option(names = "--policy", required = true, paramLabel = "DIR", description = "Policy directory.")
        Path policy;

        @Option(names = "--ca-cert", required = true, paramLabel = "FILE", description = "CA certificate (PEM).")
        Path caCert;

        @Override
        int execute() {
            for (PolicyFiles.Installed installed : PolicyFiles.trust(policy, caCert)) {
                X509Certificate cert = Pem.readCertificate(installed.path());
                out().printf("%s %s (SHA-256 %s)%n",
                        installed.changed() ? "Trusted" : "Already trusted:",
                        cert.getSubjectX500Principal().getName(), CertificateInfo.fingerprint(cert));
                out().printf("  %s%n", installed.path());
            }
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revoke a certificate issued by the CA: adds it to DIR/<ca-name>.crl (created or updated). "
                    + "With --policy, installs that CRL as revoked/<ca-name>.crl of each policy (replacing an older "
                    + "CRL of the same CA); running servers refuse the certificate and close its connections within "
                    + "their reload interval.")
    static final class Revoke extends Subcommand {
        @Option(names = "--ca", required = true, paramLabel = "DIR", description = "CA directory.")
        Path ca;

        @Option(names = "--cert", required = true, paramLabel = "FILE", description = "Certificate to revoke.")
        Path cert;

        @Option(names = "--policy", paramLabel = "DIR", description = "Policy directory to install the CRL into "
                + "(repeatable).")
        List<Path> policies = List.of();

        @Override
        int execute() {
            CertificateAuthority authority = CertificateAuthority.load(ca);
            X509Certificate target = Pem.readCertificate(cert);
            boolean already = authority.isRevoked(target);
            Path crlFile = authority.revoke(cert);
            X509CRL crl = Pem.readCrls(crlFile).get(0);
            int count = crl.getRevokedCertificates() == null ? 0 : crl.getRevokedCertificates().size();
            out().printf("%s %s (serial %s); CRL %s lists %d certificate(s)%n",
                    already ? "Already revoked:" : "Revoked", target.getSubjectX500Principal().getName(),
                    CertificateInfo.of(target).serial(), crlFile, count);
            for (Path policy : policies) {
                PolicyFiles.Installed installed = PolicyFiles.installCrl(policy, crlFile);
                out().printf("  %s %s%n", installed.changed() ? "installed" : "already current:", installed.path());
            }
            if (policies.isEmpty()) {
                out().printf("  Copy %s into the revoked/ directory of every policy that trusts CA '%s' "
                        + "(or pass --policy DIR).%n", crlFile, authority.name());
            }
            return 0;
        }
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = "Show a certificate, CRL or key file, or check a policy or CA directory. "
                    + "Exit code 0 if all is well, " + PROBLEMS_FOUND + " if problems were found, 1 on error.")
    static final class Inspect extends Subcommand {
        @Parameters(paramLabel = "FILE|DIR", description = "File or directory to inspect.")
        Path path;

        @Override
        int execute() {
            PolicyInspector.Inspection inspection = PolicyInspector.inspect(path);
            out().print(inspection.render());
            out().flush();
            return inspection.ok() ? 0 : PROBLEMS_FOUND;
        }
    }
}
