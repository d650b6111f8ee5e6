package org.parley.server.media;

import java.net.URI;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/** The blob contract against an S3-compatible server (s3proxy, in memory) on a real socket, with signed requests. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3BlobsIT extends BlobsContract {
    private S3Proxy proxy;
    private TransientNio2BlobStore store;
    private S3Blobs blobs;

    @BeforeAll
    void startS3() throws Exception {
        store = new TransientNio2BlobStore();
        store.createContainer("media");
        proxy = S3Proxy.builder().blobStore(store).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "access", "secret-key").build();
        proxy.start();
        long until = System.currentTimeMillis() + 10_000;
        while (!proxy.getState().equals("STARTED") && System.currentTimeMillis() < until) Thread.sleep(10);
        blobs = new S3Blobs(URI.create("http://127.0.0.1:" + proxy.getPort()), "us-east-1", "media", "parley/", "access", "secret-key");
    }

    @AfterAll
    void stopS3() throws Exception {
        blobs.close();
        proxy.stop();
        store.close();
    }

    @Override
    Blobs blobs() {
        return blobs;
    }
}
