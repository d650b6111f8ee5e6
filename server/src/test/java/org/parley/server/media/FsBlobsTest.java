package org.parley.server.media;

class FsBlobsTest extends BlobsContract {
    @Override
    Blobs blobs() throws Exception {
        return new FsBlobs(dir.resolve("blobs"));
    }
}
