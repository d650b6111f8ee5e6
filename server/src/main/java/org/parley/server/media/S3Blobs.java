package org.parley.server.media;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Blobs in an S3-compatible bucket (AWS S3, MinIO, Ceph, Garage, s3proxy...), path-style
 * addressing, objects named {@code prefix + key}. A put of a key that exists is skipped
 * (same key, same bytes). Objects are written whole by PUT, so a reader sees all or nothing.
 */
public final class S3Blobs implements Blobs, AutoCloseable {
    private final S3Client s3;
    private final String bucket;
    private final String prefix;

    public S3Blobs(URI endpoint, String region, String bucket, String prefix, String accessKey, String secretKey) {
        this.s3 = S3Client.builder()
                .endpointOverride(endpoint)
                .region(Region.of(region))
                .forcePathStyle(true)
                // checksums only where S3 requires them: many S3-compatible stores refuse the SDK's default trailers
                .requestChecksumCalculation(software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(software.amazon.awssdk.core.checksums.ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
                .build();
        this.bucket = bucket;
        this.prefix = prefix == null ? "" : prefix;
    }

    private String name(String key) {
        return prefix + Blobs.checkKey(key);
    }

    @Override
    public void put(String key, Path file) throws IOException {
        try {
            long size = Files.size(file);
            if (!exists(key)) s3.putObject(b -> b.bucket(bucket).key(name(key)).contentLength(size), RequestBody.fromFile(file));
        } catch (S3Exception e) {
            throw new IOException("S3 put of " + key + " failed: " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Override
    public boolean exists(String key) throws IOException {
        try {
            s3.headObject(b -> b.bucket(bucket).key(name(key)));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) return false;
            throw new IOException("S3 head of " + key + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public long size(String key) throws IOException {
        try {
            return s3.headObject(b -> b.bucket(bucket).key(name(key))).contentLength();
        } catch (S3Exception e) {
            throw new IOException("S3 head of " + key + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Path localFile(String key) {
        return null;
    }

    @Override
    public InputStream open(String key, long offset, long length) throws IOException {
        if (length <= 0) return InputStream.nullInputStream();
        try {
            var object = s3.getObject(b -> b.bucket(bucket).key(name(key)).range("bytes=" + offset + "-" + (offset + length - 1)));
            return new java.io.FilterInputStream(object) {
                @Override
                public void close() throws IOException {
                    object.abort(); // a reader that stops early (a client gone) must not drain the rest, nor hold the connection
                    super.close();
                }
            };
        } catch (S3Exception e) {
            throw new IOException("S3 get of " + key + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void delete(String key) throws IOException {
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(name(key)));
        } catch (S3Exception e) {
            throw new IOException("S3 delete of " + key + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        s3.close();
    }
}
