package org.parley.server.push;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** The HTTP client push requests go out on: HTTP/2 where the provider offers it, bounded connect time. */
public final class PushHttp {
    private PushHttp() {}

    /**
     * @param trustCertFile PEM certificates trusted besides the JDK's authorities (a private
     *     push relay, or a test's stand-in provider); null for the JDK's only
     */
    public static HttpClient client(Path trustCertFile) {
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER);
        if (trustCertFile != null) b.sslContext(trusting(trustCertFile));
        return b.build();
    }

    private static SSLContext trusting(Path pem) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            TrustManagerFactory jdk = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            jdk.init((KeyStore) null);
            int n = 0;
            for (var tm : jdk.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) for (X509Certificate c : x.getAcceptedIssuers()) store.setCertificateEntry("jdk-" + n++, c);
            }
            try (InputStream in = Files.newInputStream(pem)) {
                for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) store.setCertificateEntry("extra-" + n++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            return ssl;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read push.trustCertFile " + pem + ": " + e.getMessage(), e);
        }
    }
}
