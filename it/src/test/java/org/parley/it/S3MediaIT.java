package org.parley.it;

import java.net.URI;
import java.util.Map;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.AfterAll;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** The media contract with the bytes in an S3-compatible bucket (s3proxy on a real socket) and PostgreSQL: the scale-out setup. */
class S3MediaIT extends MediaContract {
    private TransientNio2BlobStore store;
    private S3Proxy proxy;
    private S3Client s3;

    @Override
    TestNode.Store store() {
        return TestNode.Store.POSTGRES;
    }

    @Override
    Map<String, String> extraSettings() throws Exception {
        store = new TransientNio2BlobStore();
        store.createContainer("parley-media");
        proxy = S3Proxy.builder().blobStore(store).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "it-access", "it-secret-key").build();
        proxy.start();
        long until = System.currentTimeMillis() + 10_000;
        while (!proxy.getState().equals("STARTED") && System.currentTimeMillis() < until) Thread.sleep(10);
        String endpoint = "http://127.0.0.1:" + proxy.getPort();
        s3 = S3Client.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("it-access", "it-secret-key"))).build();
        return Map.of("media.store", "s3", "media.s3.endpoint", endpoint, "media.s3.bucket", "parley-media", "media.s3.prefix", "m/",
                "media.s3.accessKey", "it-access", "media.s3.secretKey", "it-secret-key");
    }

    @Override
    long blobCount() {
        return s3.listObjectsV2Paginator(b -> b.bucket("parley-media").prefix("m/")).contents().stream().count();
    }

    @AfterAll
    void stopS3() throws Exception {
        s3.close();
        proxy.stop();
        store.close();
    }
}
